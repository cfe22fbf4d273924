"""The committed time limit a case was filed with, and the account user name of each step action.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null for cases dispatched before: the work list falls back to the item's current limit.
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(sa.Column("committed_days", sa.Integer, nullable=True))
    # Null for actions recorded before: only the display name was kept.
    with op.batch_alter_table("review_actions") as batch:
        batch.add_column(sa.Column("by_username", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_actions") as batch:
        batch.drop_column("by_username")
    with op.batch_alter_table("work_items") as batch:
        batch.drop_column("committed_days")
