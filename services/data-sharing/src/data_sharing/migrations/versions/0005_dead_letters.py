"""Dead letters recorded in this service's database, to list and replay (gov_common.dead_letters).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from gov_common.dead_letters import create_dead_letter_table, drop_dead_letter_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_dead_letter_table(op)


def downgrade() -> None:
    drop_dead_letter_table(op)
