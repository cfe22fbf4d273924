"""The outbox's rows unique per event and topic: one event may go on several topics (gov_common.migrations).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from gov_common.migrations import outbox_event_once, outbox_event_per_topic

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_event_per_topic(op)


def downgrade() -> None:
    outbox_event_once(op)
