"""Legal entities: the legal representative's resident ID number, so that only they open the
entity's account (docs/identity.md).

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
    with op.batch_alter_table("legal_entities") as batch:
        batch.add_column(sa.Column("legal_representative_id_number", sa.String(18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("legal_entities") as batch:
        batch.drop_column("legal_representative_id_number")
