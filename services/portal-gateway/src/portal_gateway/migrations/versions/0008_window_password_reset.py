"""Accounts: who reset the password at a window, and when.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("password_reset_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("password_reset_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("password_reset_at")
        batch.drop_column("password_reset_by")
