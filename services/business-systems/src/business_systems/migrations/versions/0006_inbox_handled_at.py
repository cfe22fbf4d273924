"""An index on the inbox's handled_at, for the relay's purge of old rows (gov_common.migrations).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from gov_common.migrations import create_inbox_age_index, drop_inbox_age_index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_inbox_age_index(op)


def downgrade() -> None:
    drop_inbox_age_index(op)
