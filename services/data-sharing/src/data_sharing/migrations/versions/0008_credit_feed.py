"""The credit feed's state per subject (credit/feed.py): the version of the last fact published.

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
    op.create_table(
        "credit_subjects",
        sa.Column("subject", sa.String(18), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("credit_subjects")
