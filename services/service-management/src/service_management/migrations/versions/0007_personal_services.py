"""Personalised services: the licences applicants hold (from licence events), the expiry reminders
sent, and each applicant's opt-outs.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_licenses",
        sa.Column("license_no", sa.String(64), primary_key=True),
        sa.Column("license_type", sa.String(64), nullable=False),
        sa.Column("license_name", sa.String(100), nullable=False),
        sa.Column("holder_type", sa.String(16), nullable=False),
        sa.Column("holder_id_number", sa.String(18), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_held_licenses_holder_id_number", "held_licenses", ["holder_id_number"])
    op.create_index("ix_held_licenses_valid_until", "held_licenses", ["valid_until"])
    op.create_table(
        "expiry_reminders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("license_no", sa.String(64), nullable=False),
        sa.Column("threshold_days", sa.Integer, nullable=False),
        sa.Column("holder_id_number", sa.String(18), nullable=False),
        sa.Column("renewal_item_code", sa.String(64), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("license_no", "threshold_days"),
    )
    op.create_table(
        "personal_opt_outs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applicant_id_number", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("opted_out_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("applicant_id_number", "kind"),
    )
    op.create_index("ix_personal_opt_outs_applicant_id_number", "personal_opt_outs", ["applicant_id_number"])


def downgrade() -> None:
    op.drop_table("personal_opt_outs")
    op.drop_table("expiry_reminders")
    op.drop_table("held_licenses")
