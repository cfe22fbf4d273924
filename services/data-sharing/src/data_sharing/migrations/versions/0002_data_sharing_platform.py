"""Base registries, data catalogue and grants, audit chain, credit, quality; licence trust levels,
validity, lifecycle and versioned canonical forms.

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


def upgrade() -> None:
    # -- the electronic-licence library -------------------------------------------------------
    op.create_table(
        "license_types",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("issuer_department", sa.String(32), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("validity_years", sa.Integer, nullable=True),
    )
    with op.batch_alter_table("licenses") as batch:
        batch.alter_column("case_no", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("valid_from", UTCDateTime, nullable=True))
        # Licences issued before trust levels came from cases, by the authority: level A.
        batch.add_column(sa.Column("trust_level", sa.String(1), nullable=False, server_default="A"))
        batch.add_column(sa.Column("status_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("status_changed_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("status_changed_by", sa.String(100), nullable=True))
        # Their signatures cover canonical form 1; new licences are signed over form 2.
        batch.add_column(sa.Column("form_version", sa.Integer, nullable=False, server_default="1"))
        batch.create_index("ix_licenses_valid_until", ["valid_until"])

    # -- the base registries --------------------------------------------------------------------
    op.create_table(
        "divisions",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(6), sa.ForeignKey("divisions.code"), nullable=True, index=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "service_halls",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("division_code", sa.String(6), sa.ForeignKey("divisions.code"), nullable=False, index=True),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("longitude", sa.Numeric(9, 6), nullable=False),
        sa.Column("latitude", sa.Numeric(9, 6), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("opening_hours", sa.String(100), nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "persons",
        sa.Column("id_number", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("ethnicity", sa.String(32), nullable=True),
        sa.Column("household_division_code", sa.String(6), sa.ForeignKey("divisions.code"), nullable=False),
        sa.Column("residence_address", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "legal_entities",
        sa.Column("uscc", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, index=True),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("legal_representative", sa.String(100), nullable=False),
        sa.Column("registered_capital", sa.Numeric(18, 4), nullable=True),
        sa.Column("established_on", sa.Date, nullable=True),
        sa.Column("division_code", sa.String(6), sa.ForeignKey("divisions.code"), nullable=False),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("business_scope", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "economic_indicators",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("indicator_name", sa.String(100), nullable=False),
        sa.Column("division_code", sa.String(6), sa.ForeignKey("divisions.code"), nullable=False, index=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("value", sa.Numeric(20, 4), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("indicator_code", "division_code", "period"),
    )
    op.create_table(
        "registry_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("total_rows", sa.Integer, nullable=False),
        sa.Column("accepted_rows", sa.Integer, nullable=False),
        sa.Column("rejected_rows", sa.Integer, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.Column("quality_report_id", sa.Integer, nullable=True),
    )

    # -- the data catalogue and grants ------------------------------------------------------------
    op.create_table(
        "resources",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner_department", sa.String(32), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("sharing_type", sa.String(16), nullable=False),
        sa.Column("update_frequency", sa.String(16), nullable=False),
        sa.Column("personal", sa.Boolean, nullable=False),
        sa.Column("builtin", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource_code", sa.String(64), sa.ForeignKey("resources.code"), nullable=False, index=True),
        sa.Column("client_id", sa.String(64), nullable=False, index=True),
        sa.Column("client_name", sa.String(100), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("valid_days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", UTCDateTime, nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", UTCDateTime, nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
        sa.Column("grant_id", sa.Integer, nullable=True),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("access_requests.id"), nullable=False),
        sa.Column("resource_code", sa.String(64), sa.ForeignKey("resources.code"), nullable=False, index=True),
        sa.Column("client_id", sa.String(64), nullable=False, index=True),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("valid_from", UTCDateTime, nullable=False),
        sa.Column("valid_until", UTCDateTime, nullable=False),
        sa.Column("granted_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=True),
        sa.Column("revoke_reason", sa.Text, nullable=True),
    )

    # -- the audit chain --------------------------------------------------------------------------
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor_sub", sa.String(100), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("actor_department", sa.String(32), nullable=True),
        sa.Column("client_id", sa.String(64), nullable=True, index=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False, index=True),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("subject", sa.String(18), nullable=True, index=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )

    # -- credit and quality -----------------------------------------------------------------------
    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(18), nullable=False, index=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("list", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source_department", sa.String(32), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime, nullable=True),
        sa.Column("withdrawn_by", sa.String(100), nullable=True),
        sa.Column("withdraw_reason", sa.Text, nullable=True),
    )
    op.create_table(
        "quality_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource", sa.String(64), nullable=False, index=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("import_id", sa.Integer, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("completeness", sa.JSON, nullable=False),
        sa.Column("validity", sa.JSON, nullable=False),
        sa.Column("duplicates", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "quality_reports",
        "credit_records",
        "audit_head",
        "audit_log",
        "grants",
        "access_requests",
        "resources",
        "registry_imports",
        "economic_indicators",
        "legal_entities",
        "persons",
        "service_halls",
        "divisions",
        "license_types",
    ):
        op.drop_table(table)
    # Registered (case-less) licences cannot go back to a table whose case_no is required.
    op.execute("DELETE FROM licenses WHERE case_no IS NULL")
    with op.batch_alter_table("licenses") as batch:
        batch.drop_index("ix_licenses_valid_until")
        batch.drop_column("form_version")
        batch.drop_column("status_changed_by")
        batch.drop_column("status_changed_at")
        batch.drop_column("status_reason")
        batch.drop_column("trust_level")
        batch.drop_column("valid_from")
        batch.alter_column("case_no", existing_type=sa.String(32), nullable=False)
