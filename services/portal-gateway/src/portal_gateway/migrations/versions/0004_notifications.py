"""The applicant's inbox: notifications made from case and licence events.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("recipient_type", sa.String(16), nullable=False),
        sa.Column("recipient_id_number", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("case_no", sa.String(32), nullable=True),
        sa.Column("license_no", sa.String(64), nullable=True),
        sa.Column("occurred_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("read_at", UTCDateTime, nullable=True),
    )
    op.create_index(
        "ix_notifications_recipient", "notifications", ["recipient_id_number", "recipient_type", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_recipient", "notifications")
    op.drop_table("notifications")
