"""Dead letters recorded in this service's database, to list and replay (gov_common.dead_letters).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

from gov_common.dead_letters import create_dead_letter_table, drop_dead_letter_table

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_dead_letter_table(op)


def downgrade() -> None:
    drop_dead_letter_table(op)
