"""The outbox's rows unique per event and topic: one event may go on several topics (gov_common.migrations).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from gov_common.migrations import outbox_event_once, outbox_event_per_topic

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_event_per_topic(op)


def downgrade() -> None:
    outbox_event_once(op)
