"""The read model of data-sharing's credit lists (credit_model.py): one row per subject, the feed's
heartbeat as last applied, and the record of every read of it (the audit of credit reads).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_subjects",
        sa.Column("subject", sa.String(18), primary_key=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("records", sa.JSON, nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "credit_feed",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
    )
    op.execute("INSERT INTO credit_feed (id, heartbeat_at) VALUES (1, NULL)")
    op.create_table(
        "credit_reads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("subject", sa.String(18), nullable=False),
        sa.Column("purpose", sa.String(120), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("black_listed", sa.Boolean, nullable=False),
        sa.Column("red_listed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_credit_reads_subject_at", "credit_reads", ["subject", "at"])


def downgrade() -> None:
    op.drop_index("ix_credit_reads_subject_at", table_name="credit_reads")
    op.drop_table("credit_reads")
    op.drop_table("credit_feed")
    op.drop_table("credit_subjects")
