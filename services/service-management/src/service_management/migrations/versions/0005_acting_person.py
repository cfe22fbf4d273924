"""Cases of an entity record the person who acted for it (its legal representative or an agent).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("acting_id_number", sa.String(18), nullable=True))
        batch.add_column(sa.Column("acting_name", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("acting_name")
        batch.drop_column("acting_id_number")
