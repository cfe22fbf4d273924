"""The warehouse's tables (prefix `wh_`): facts in two slots, the live one and the one a rebuild fills,
summaries kept with the facts, and the dimensions.

Every fact and summary row carries its `slot` (0 or 1); `wh_state` names the live slot and, during a
rebuild, the slot being built. Queries read the live slot only, so a rebuild fills the other one from
the topics and the switch is one row's update.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
)

from data_sharing.base import Base
from gov_common.db import UTCDateTime

metadata = Base.metadata

state = Table(
    "wh_state",
    metadata,
    Column("id", SmallInteger, primary_key=True),  # one row, id 1
    Column("live_slot", SmallInteger, nullable=False),
    Column("building_slot", SmallInteger, nullable=True),
    Column("rebuilt_at", UTCDateTime, nullable=True),
)

# ---------------------------------------------------------------------------------------------
# Facts

case_fact = Table(
    "wh_case",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("case_no", String(32), primary_key=True),
    Column("item_code", String(64), nullable=True),
    Column("item_version", Integer, nullable=True),
    Column("department_code", String(32), nullable=True),
    Column("channel", String(16), nullable=True),
    Column("applicant_type", String(8), nullable=True),
    Column("age_band", String(8), nullable=True),
    Column("division_code", String(6), nullable=True),  # the applicant's, GB/T 2260 (county level)
    # The applicant's pseudonym (pseudonym.py: a keyed hash of the identity number, never the number).
    Column("applicant_key", String(32), nullable=True),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("accepted_at", UTCDateTime, nullable=True),
    Column("rejected_at", UTCDateTime, nullable=True),
    Column("dispatched_at", UTCDateTime, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("concluded_at", UTCDateTime, nullable=True),
    Column("outcome", String(12), nullable=True),  # approved, denied, rejected; null while open
    Column("instant_allowed", Boolean, nullable=True),
    Column("instant", Boolean, nullable=False, default=False),  # decided by rules, no person in the loop
    Column("committed_days", SmallInteger, nullable=True),
    Column("due_at", UTCDateTime, nullable=True),
    Column("due_as_of", UTCDateTime, nullable=True),  # the time of the event that told due_at
    Column("license_no", String(64), nullable=True),
    Column("rating", SmallInteger, nullable=True),
    Column("evaluated_at", UTCDateTime, nullable=True),
    Column("yellow", Boolean, nullable=False, default=False),
    Column("red", Boolean, nullable=False, default=False),
    Column("escalated", Boolean, nullable=False, default=False),
    # Derived from the columns above by `facts.derive` (so any order of events gives the same row):
    Column("filed_at", UTCDateTime, nullable=True),  # the filing (or the earliest known event)
    Column("filed_on", Date, nullable=True),  # local date of the filing (or the earliest known event)
    Column("supplements", SmallInteger, nullable=False, default=0),
    Column("supplement_days", SmallInteger, nullable=True),
    Column("intake_days", SmallInteger, nullable=True),
    Column("review_days", SmallInteger, nullable=True),
    Column("conclude_days", SmallInteger, nullable=True),
    Column("total_days", SmallInteger, nullable=True),
    Column("on_time", Boolean, nullable=True),
)
Index("wh_case_slot_filed", case_fact.c.slot, case_fact.c.filed_on)

step_fact = Table(
    "wh_step",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("case_no", String(32), primary_key=True),
    Column("department_code", String(32), primary_key=True),
    Column("step_no", SmallInteger, primary_key=True),
    Column("left_at", UTCDateTime, primary_key=True),
    Column("step", String(64), nullable=False),
    Column("step_label", String(100), nullable=True),
    Column("action", String(16), nullable=False),  # the step's outcome: approve, deny, sent_back, ...
    Column("entered_at", UTCDateTime, nullable=True),  # the previous step's end, or the dispatch
    Column("waiting_days", SmallInteger, nullable=True),
)

supplement_fact = Table(
    "wh_supplement",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("case_no", String(32), primary_key=True),
    Column("requested_at", UTCDateTime, primary_key=True),
    Column("material_code", String(64), primary_key=True),
    Column("material_name", String(200), nullable=False),
    Column("supplied_at", UTCDateTime, nullable=True),
)

# When a paused clock ran again (the applicant supplied what was asked): each request is supplied by
# the first resumption after it, whichever of the two events came first.
resume_fact = Table(
    "wh_resume",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("case_no", String(32), primary_key=True),
    Column("resumed_at", UTCDateTime, primary_key=True),
)

license_fact = Table(
    "wh_license",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("license_no", String(64), primary_key=True),
    Column("license_type", String(64), nullable=True),
    Column("case_no", String(32), nullable=True),
    Column("holder_type", String(8), nullable=True),
    Column("division_code", String(6), nullable=True),
    Column("issued_at", UTCDateTime, nullable=True),
    Column("valid_until", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=True),  # valid, revoked, cancelled, expired
    Column("status_at", UTCDateTime, nullable=True),
)

# ---------------------------------------------------------------------------------------------
# Summaries, kept by the handlers with each fact change (old contribution out, new one in)

_CASE_KEYS = (
    Column("slot", SmallInteger, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("department_code", String(32), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("applicant_type", String(8), primary_key=True),
    Column("division_code", String(6), primary_key=True),
)
CASE_MEASURES = (
    "cases",
    "accepted",
    "decided",
    "concluded",
    "approved",
    "denied",
    "rejected",
    "instant",
    "supplemented",
    "supplements",
    "ended",
    "timed",
    "on_time",
    "yellow",
    "red",
    "rated",
    "rating_sum",
    "satisfied",
    "escalated",
    "intake_n",
    "intake_days_sum",
    "review_n",
    "review_days_sum",
    "total_n",
    "total_days_sum",
)
case_daily = Table(
    "wh_case_daily",
    metadata,
    *_CASE_KEYS,
    *(Column(m, Integer, nullable=False, default=0) for m in CASE_MEASURES),
)

STEP_MEASURES = ("steps", "waited", "waiting_days_sum", "long_waits")
LONG_WAIT_DAYS = 5
step_daily = Table(
    "wh_step_daily",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("day", Date, primary_key=True),  # the case's filing day, like every period filter
    Column("item_code", String(64), primary_key=True),
    Column("department_code", String(32), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("division_code", String(6), primary_key=True),
    Column("step", String(64), primary_key=True),
    Column("steps", Integer, nullable=False, default=0),
    Column("waited", Integer, nullable=False, default=0),  # steps whose waiting is known
    Column("waiting_days_sum", Integer, nullable=False, default=0),
    Column("long_waits", Integer, nullable=False, default=0),  # steps that waited over LONG_WAIT_DAYS
)

supplement_daily = Table(
    "wh_supplement_daily",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("department_code", String(32), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("division_code", String(6), primary_key=True),
    Column("material_code", String(64), primary_key=True),
    Column("asked", Integer, nullable=False, default=0),  # cases asked for it at least once
)

# ---------------------------------------------------------------------------------------------
# What applicants file next ("you may also need", associations.py), kept with the case facts

# One row per applicant key: locked while that applicant's filings are compared, so that two of their
# cases handled at the same time by two consumers are counted one after the other.
applicant = Table(
    "wh_applicant",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("applicant_key", String(32), primary_key=True),
)

# The first filing of each item by each applicant (key).
applicant_item = Table(
    "wh_applicant_item",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("applicant_key", String(32), primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("first_filed_at", UTCDateTime, nullable=False),
)

# Distinct applicants who filed the item.
item_applicants = Table(
    "wh_item_applicants",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("applicants", Integer, nullable=False, default=0),
)

# Distinct applicants who first filed `next_item_code` after first filing `item_code`.
item_pair = Table(
    "wh_item_pair",
    metadata,
    Column("slot", SmallInteger, primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("next_item_code", String(64), primary_key=True),
    Column("applicants", Integer, nullable=False, default=0),
)

ASSOCIATIONS = (applicant, applicant_item, item_applicants, item_pair)
SLOTTED = (
    case_fact,
    step_fact,
    supplement_fact,
    resume_fact,
    license_fact,
    case_daily,
    step_daily,
    supplement_daily,
    *ASSOCIATIONS,
)

# ---------------------------------------------------------------------------------------------
# Dimensions (shared by both slots: reference data, only ever added to)

date_dim = Table(
    "wh_date",
    metadata,
    Column("day", Date, primary_key=True),
    Column("year", SmallInteger, nullable=False),
    Column("quarter", SmallInteger, nullable=False),
    Column("month", SmallInteger, nullable=False),
    Column("weekday", SmallInteger, nullable=False),  # 1 Monday … 7 Sunday
    Column("working_day", Boolean, nullable=False),
)

item_dim = Table(
    "wh_item",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=True),
    Column("department_code", String(32), nullable=True),
    Column("latest_version", Integer, nullable=True),
)

department_dim = Table(
    "wh_department",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(100), nullable=True),
)

division_dim = Table(
    "wh_division",
    metadata,
    Column("code", String(6), primary_key=True),
    Column("name", String(100), nullable=True),
    Column("level", String(16), nullable=False),
    Column("province_code", String(6), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("county_code", String(6), nullable=True),
)

channel_dim = Table(
    "wh_channel",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(50), nullable=False),
)

material_dim = Table(
    "wh_material",
    metadata,
    Column("item_code", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

CHANNELS = {"online": "网上办理", "window": "窗口办理", "mobile": "移动端办理", "self_service": "自助终端办理"}
