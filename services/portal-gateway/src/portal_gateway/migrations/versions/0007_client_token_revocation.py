"""Client applications: a token generation, moved on by deactivation and secret rotation, so the
gateway refuses the tokens issued before.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("client_applications") as batch:
        batch.add_column(sa.Column("token_generation", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("client_applications") as batch:
        batch.drop_column("token_generation")
