"""The catalogue's standard fields and search column, lists, intake materials, BPMN workflows,
decision tables, bundles, calendar, supervision and evaluations.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ITEM_COLUMNS = [
    ("fee", sa.JSON, '{"free": true, "amount": null, "basis": null}'),
    ("materials", sa.JSON, "[]"),
    ("online_depth", sa.String(32), "at_most_one_visit"),
    ("channels", sa.JSON, '["online", "window"]'),
    ("themes", sa.JSON, "[]"),
    ("keywords", sa.JSON, "[]"),
    ("search_text", sa.Text, ""),
    ("facets", sa.Text, ""),
]


def upgrade() -> None:
    op.create_table(
        "bundles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("item_codes", sa.JSON, nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "bundle_applications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bundle_no", sa.String(32), nullable=False, unique=True),
        sa.Column("bundle_code", sa.String(64), nullable=False, index=True),
        sa.Column("applicant_sub", sa.String(64), nullable=False, index=True),
        sa.Column("applicant_id_number", sa.String(18), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("concluded_at", UTCDateTime, nullable=True),
    )
    with op.batch_alter_table("items") as batch:
        for name, kind, default in ITEM_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))
        batch.add_column(sa.Column("published_at", UTCDateTime, nullable=True))
    # "supplement_requested" is longer than the 16 characters the walking skeleton allowed.
    with op.batch_alter_table("case_steps") as batch:
        batch.alter_column("status", type_=sa.String(32), existing_type=sa.String(16), existing_nullable=False)
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("status", type_=sa.String(32), existing_type=sa.String(16), existing_nullable=False)
        batch.add_column(sa.Column("filed_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("bundle_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("supplement_codes", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("instant_approved", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("limit_days", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("clock_state", sa.String(16), nullable=False, server_default="stopped"))
        batch.add_column(sa.Column("clock_started_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("due_date", sa.Date, nullable=True))
        batch.add_column(sa.Column("due_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("paused_at", UTCDateTime, nullable=True))
        batch.create_foreign_key("fk_cases_bundle_id", "bundle_applications", ["bundle_id"], ["id"])
        batch.create_index("ix_cases_bundle_id", ["bundle_id"])
        batch.create_index("ix_cases_due_at", ["due_at"])
    op.create_table(
        "case_progress",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("step", sa.String(100), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("opinion", sa.Text, nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_id", sa.String(64), nullable=False, index=True),
        sa.Column("owner_sub", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("uploaded_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("file_id", "owner_sub"),
    )
    op.create_table(
        "case_materials",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=True, index=True),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("license_no", sa.String(64), nullable=True),
        sa.Column("provided_by", sa.String(100), nullable=False),
        sa.Column("provided_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("case_id", "code"),
    )
    op.create_table(
        "case_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=True),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("output", sa.JSON, nullable=False),
        sa.Column("instant", sa.Boolean, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "decision_tables",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_code", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("graph", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("item_code", "version"),
    )
    op.create_table(
        "process_definitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_code", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column("bpmn_xml", sa.Text, nullable=False),
        sa.Column("time_limits", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("item_code", "version"),
    )
    op.create_table(
        "case_workflows",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("definition_id", sa.Integer, sa.ForeignKey("process_definitions.id"), nullable=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "case_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("entered_at", UTCDateTime, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=True, index=True),
        sa.Column("left_at", UTCDateTime, nullable=True),
        sa.Column("escalated_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("list_type", sa.String(32), nullable=False, index=True),
        sa.Column("department_code", sa.String(32), sa.ForeignKey("departments.code"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("entries", sa.JSON, nullable=False),
        sa.Column("effective_date", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("published_by", sa.String(100), nullable=True),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("list_type", "department_code", "version"),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_table(
        "supervision_alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(32), nullable=False, index=True),
        sa.Column("department_code", sa.String(32), nullable=False, index=True),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=True),
        sa.Column("raised_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("case_no", "kind", "state"),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("item_code", sa.String(64), nullable=False, index=True),
        sa.Column("department_code", sa.String(32), nullable=False, index=True),
        sa.Column("applicant_sub", sa.String(64), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "rectifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluations.id"), nullable=False, unique=True),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=False, index=True),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("completed_by", sa.String(100), nullable=True),
        sa.Column("completed_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in [
        "rectifications",
        "evaluations",
        "supervision_alerts",
        "calendar_days",
        "list_versions",
        "case_states",
        "case_workflows",
        "process_definitions",
        "decision_tables",
        "case_decisions",
        "case_materials",
        "uploads",
        "case_progress",
    ]:
        op.drop_table(table)
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_due_at")
        batch.drop_index("ix_cases_bundle_id")
        batch.drop_constraint("fk_cases_bundle_id", type_="foreignkey")
        for name in [
            "paused_at",
            "due_at",
            "due_date",
            "clock_started_at",
            "clock_state",
            "limit_days",
            "instant_approved",
            "supplement_codes",
            "reason",
            "bundle_id",
            "filed_by",
        ]:
            batch.drop_column(name)
    with op.batch_alter_table("case_steps") as batch:
        batch.alter_column("status", type_=sa.String(16), existing_type=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("status", type_=sa.String(16), existing_type=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("items") as batch:
        batch.drop_column("published_at")
        for name, _kind, _default in reversed(ITEM_COLUMNS):
            batch.drop_column(name)
    op.drop_table("bundle_applications")
    op.drop_table("bundles")
