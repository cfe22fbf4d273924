"""An index on the inbox's handled_at, for the relay's purge of rows older than INBOX_RETENTION_HOURS.

Built in the migration's transaction: the inbox takes no rows while it is built (seconds for millions of
rows). Not CONCURRENTLY: that waits for every other transaction, among them a replica's waiting for the
migration lock (gov_common.migrations), which waits for this one: a deadlock.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_inbox_handled_at", "inbox", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_handled_at", table_name="inbox")
