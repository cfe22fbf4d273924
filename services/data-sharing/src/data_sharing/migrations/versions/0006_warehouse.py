"""The government big-data warehouse (docs/warehouse.md): facts and summaries in two slots, dimensions.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHANNELS = {"online": "网上办理", "window": "窗口办理", "mobile": "移动端办理", "self_service": "自助终端办理"}
TABLES = (
    "wh_state", "wh_case", "wh_step", "wh_supplement", "wh_resume", "wh_license", "wh_case_daily", "wh_step_daily",
    "wh_supplement_daily", "wh_date", "wh_item", "wh_department", "wh_division", "wh_channel", "wh_material",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "wh_state",
        sa.Column("id", sa.SmallInteger(), primary_key=True),
        sa.Column("live_slot", sa.SmallInteger(), nullable=False),
        sa.Column("building_slot", sa.SmallInteger()),
        sa.Column("rebuilt_at", UTCDateTime()),
    )
    op.create_table(
        "wh_case",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("case_no", sa.String(32), primary_key=True),
        sa.Column("item_code", sa.String(64)),
        sa.Column("item_version", sa.Integer()),
        sa.Column("department_code", sa.String(32)),
        sa.Column("channel", sa.String(16)),
        sa.Column("applicant_type", sa.String(8)),
        sa.Column("age_band", sa.String(8)),
        sa.Column("division_code", sa.String(6)),
        sa.Column("submitted_at", UTCDateTime()),
        sa.Column("accepted_at", UTCDateTime()),
        sa.Column("rejected_at", UTCDateTime()),
        sa.Column("dispatched_at", UTCDateTime()),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("concluded_at", UTCDateTime()),
        sa.Column("outcome", sa.String(12)),
        sa.Column("instant_allowed", sa.Boolean()),
        sa.Column("instant", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("committed_days", sa.SmallInteger()),
        sa.Column("due_at", UTCDateTime()),
        sa.Column("due_as_of", UTCDateTime()),
        sa.Column("license_no", sa.String(64)),
        sa.Column("rating", sa.SmallInteger()),
        sa.Column("evaluated_at", UTCDateTime()),
        sa.Column("yellow", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("red", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("filed_on", sa.Date()),
        sa.Column("supplements", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("supplement_days", sa.SmallInteger()),
        sa.Column("intake_days", sa.SmallInteger()),
        sa.Column("review_days", sa.SmallInteger()),
        sa.Column("conclude_days", sa.SmallInteger()),
        sa.Column("total_days", sa.SmallInteger()),
        sa.Column("on_time", sa.Boolean()),
    )
    op.create_index("wh_case_slot_filed", "wh_case", ["slot", "filed_on"])
    op.create_table(
        "wh_step",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("case_no", sa.String(32), primary_key=True),
        sa.Column("department_code", sa.String(32), primary_key=True),
        sa.Column("step_no", sa.SmallInteger(), primary_key=True),
        sa.Column("left_at", UTCDateTime(), primary_key=True),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("step_label", sa.String(100)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("entered_at", UTCDateTime()),
        sa.Column("waiting_days", sa.SmallInteger()),
    )
    op.create_table(
        "wh_supplement",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("case_no", sa.String(32), primary_key=True),
        sa.Column("requested_at", UTCDateTime(), primary_key=True),
        sa.Column("material_code", sa.String(64), primary_key=True),
        sa.Column("material_name", sa.String(200), nullable=False),
        sa.Column("supplied_at", UTCDateTime()),
    )
    op.create_table(
        "wh_resume",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("case_no", sa.String(32), primary_key=True),
        sa.Column("resumed_at", UTCDateTime(), primary_key=True),
    )
    op.create_table(
        "wh_license",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("license_no", sa.String(64), primary_key=True),
        sa.Column("license_type", sa.String(64)),
        sa.Column("case_no", sa.String(32)),
        sa.Column("holder_type", sa.String(8)),
        sa.Column("division_code", sa.String(6)),
        sa.Column("issued_at", UTCDateTime()),
        sa.Column("valid_until", UTCDateTime()),
        sa.Column("status", sa.String(16)),
        sa.Column("status_at", UTCDateTime()),
    )
    op.create_table(
        "wh_case_daily",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("department_code", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("applicant_type", sa.String(8), primary_key=True),
        sa.Column("division_code", sa.String(6), primary_key=True),
        sa.Column("cases", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("accepted", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("decided", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("concluded", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("approved", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("denied", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("instant", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("supplemented", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("supplements", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("ended", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("timed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("on_time", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("yellow", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("red", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rating_sum", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("satisfied", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("escalated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("intake_n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("intake_days_sum", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("review_n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("review_days_sum", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total_n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total_days_sum", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "wh_step_daily",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("department_code", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("division_code", sa.String(6), primary_key=True),
        sa.Column("step", sa.String(64), primary_key=True),
        sa.Column("steps", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waited", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waiting_days_sum", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("long_waits", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "wh_supplement_daily",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("department_code", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("division_code", sa.String(6), primary_key=True),
        sa.Column("material_code", sa.String(64), primary_key=True),
        sa.Column("asked", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "wh_date",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("working_day", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "wh_item",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("department_code", sa.String(32)),
        sa.Column("latest_version", sa.Integer()),
    )
    op.create_table(
        "wh_department",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100)),
    )
    op.create_table(
        "wh_division",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(100)),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(6), nullable=False),
        sa.Column("city_code", sa.String(6), nullable=False),
        sa.Column("county_code", sa.String(6)),
    )
    op.create_table(
        "wh_channel",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.create_table(
        "wh_material",
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.bulk_insert(sa.table("wh_state", sa.column("id"), sa.column("live_slot")), [{"id": 1, "live_slot": 0}])
    op.bulk_insert(
        sa.table("wh_channel", sa.column("code"), sa.column("name")),
        [{"code": code, "name": name} for code, name in CHANNELS.items()],
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
