"""Departments, service items, cases and their timelines; outbox and inbox.

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
        "departments",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("division_code", sa.String(6), nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("item_type", sa.String(32), nullable=False),
        sa.Column("department_code", sa.String(32), sa.ForeignKey("departments.code"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("instant_approval", sa.Boolean, nullable=False),
        sa.Column("statutory_days", sa.Integer, nullable=False),
        sa.Column("committed_days", sa.Integer, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("form_fields", sa.JSON, nullable=False),
        sa.Column("license_type", sa.String(64), nullable=True),
        sa.Column("license_name", sa.String(100), nullable=True),
        sa.Column("rule", sa.JSON, nullable=True),
        sa.Column("rule_version", sa.Integer, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("code", "version"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(32), nullable=False, unique=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=False, index=True),
        sa.Column("item_version", sa.Integer, nullable=False),
        sa.Column("department_code", sa.String(32), nullable=False, index=True),
        sa.Column("applicant_sub", sa.String(64), nullable=False, index=True),
        sa.Column("applicant_type", sa.String(16), nullable=False),
        sa.Column("applicant_id_number", sa.String(18), nullable=False),
        sa.Column("applicant_name", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("license_no", sa.String(64), nullable=True),
        sa.Column("opinion", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("concluded_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    op.drop_table("case_steps")
    op.drop_table("cases")
    op.drop_table("items")
    op.drop_table("departments")
