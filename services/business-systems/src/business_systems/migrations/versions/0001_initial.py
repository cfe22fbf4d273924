"""Work items; outbox and inbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime
from gov_common.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(32), nullable=False, unique=True),
        sa.Column("department_code", sa.String(32), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column("item_version", sa.Integer, nullable=False),
        sa.Column("item_name", sa.String(200), nullable=False),
        sa.Column("applicant", sa.JSON, nullable=False),
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("license_spec", sa.JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("automated", sa.Boolean, nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=True),
        sa.Column("rule_inputs", sa.JSON, nullable=True),
        sa.Column("rule_output", sa.JSON, nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("opinion", sa.Text, nullable=True),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=True),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    op.drop_table("work_items")
