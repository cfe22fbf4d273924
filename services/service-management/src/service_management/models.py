"""Service-management's tables: catalogue, lists, cases and their workflow, rules, supervision, evaluations."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gov_common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    division_code: Mapped[str] = mapped_column(String(6))
    # Named in the refusals' notice of remedies (不予受理/不予许可决定书): the people's government at the
    # same level reviews a department's act (行政复议法 2023, art. 24), the court of its place hears a
    # suit (行政诉讼法 art. 18). Null: the notice names them generically (本级人民政府, 有管辖权的人民法院).
    reconsideration_body: Mapped[str | None] = mapped_column(String(100), nullable=True)
    litigation_court: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Item(Base):
    """A service item (事项), one row per published version."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    status: Mapped[str] = mapped_column(String(16), default="published")
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    instant_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    statutory_days: Mapped[int] = mapped_column(Integer)
    committed_days: Mapped[int] = mapped_column(Integer)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    form_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    license_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    license_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A GoRules JDM decision graph; its output `eligible` decides instant approval.
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The standard fields of the catalogue.
    fee: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: {"free": True, "amount": None, "basis": None})
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    online_depth: Mapped[str] = mapped_column(String(32), default="at_most_one_visit")
    channels: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["online", "window"])
    # The national service guide's remaining fields (catalogue.schemas.ServiceGuide): conditions,
    # process, place and hours, telephones, visits, delivery of the result, booking.
    guide: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Normalized tokens of name, keywords and themes for the Chinese search (catalogue/search.py).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # `|audience:person|theme:开办餐饮店|…|`: the filters' values as plain text, the same on every database.
    facets: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Any change of the row (draft saved, published, superseded, retired); null only for rows
    # written before migration 0004 filled it in.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, default=utcnow, onupdate=utcnow)
    # Retiring a published version records why, when and by whom (shown to the public too).
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    retired_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)

    department: Mapped[Department] = relationship(lazy="raise")


class Case(Base):
    """A case (办件): one application and its handling."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    item_version: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    applicant_sub: Mapped[str] = mapped_column(String(64), index=True)
    applicant_type: Mapped[str] = mapped_column(String(16))
    applicant_id_number: Mapped[str] = mapped_column(String(18))
    applicant_name: Mapped[str] = mapped_column(String(100))
    # An entity's case: the person who acted for it (token `act`), by ID number and name.
    acting_id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)
    acting_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="online")
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(32), index=True)
    license_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    filed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the clerk, for a window case
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundle_applications.id"), nullable=True, index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why rejected, or what is to supplement
    supplement_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # the materials asked for
    instant_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    # The clock against the committed time limit (working days; gov_common.workdays).
    limit_days: Mapped[int] = mapped_column(Integer, default=0)
    clock_state: Mapped[str] = mapped_column(String(16), default="running")  # running, paused, stopped
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    timeline: Mapped[list[CaseStep]] = relationship(lazy="raise", order_by="CaseStep.id", cascade="all, delete-orphan")


class CaseStep(Base):
    """One entry of a case's timeline: a status it reached, when, and who moved it there."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class CaseProgress(Base):
    """A department's progress on a case (review steps, send-backs) and completed process tasks."""

    __tablename__ = "case_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # step_completed, sent_back, task_completed
    step: Mapped[str] = mapped_column(String(100))
    by: Mapped[str] = mapped_column(String(100))
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upload(Base):
    """Who uploaded which file (files are content-addressed, so one file may have several uploaders)."""

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("file_id", "owner_sub"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(String(64), index=True)
    owner_sub: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseMaterial(Base):
    """A material of a case: an uploaded file or a licence reference confirmed by data-sharing."""

    __tablename__ = "case_materials"
    __table_args__ = (UniqueConstraint("case_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    file_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    content_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    license_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A window clerk confirmed that the paper original was seen or the copy received (provided_by says who).
    paper_received: Mapped[bool] = mapped_column(Boolean, default=False)
    provided_by: Mapped[str] = mapped_column(String(100))
    provided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SupplementRequest(Base):
    """补正: the materials a clerk asked for and why; open until the applicant supplies them."""

    __tablename__ = "supplement_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    materials: Mapped[list[str]] = mapped_column(JSON)  # material codes
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last day (Asia/Shanghai) to supply them (null: asked before migration 0010).
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    supplied_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    supplied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CaseDecision(Base):
    """A stored explanation of an automated decision: rule version, inputs, output, why."""

    __tablename__ = "case_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # instant_approval_check, automated_approval
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    output: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    instant: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionTable(Base):
    """One version of an item's decision table (a GoRules JDM graph), edited through the API."""

    __tablename__ = "decision_tables"
    __table_args__ = (UniqueConstraint("item_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessDefinition(Base):
    """One version of an item's BPMN 2.0 process (item_code empty: the platform default)."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("item_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(100))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    time_limits: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseWorkflow(Base):
    """The serialized SpiffWorkflow state of a case, written after every step."""

    __tablename__ = "case_workflows"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"), nullable=True)
    state: Mapped[str] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CaseState(Base):
    """A BPMN state (a waiting user task) a case entered, with its own time limit."""

    __tablename__ = "case_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    state: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Bundle(Base):
    """An item group applied for in one application (一件事一次办)."""

    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    item_codes: Mapped[list[str]] = mapped_column(JSON)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="published")


class BundleApplication(Base):
    __tablename__ = "bundle_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bundle_no: Mapped[str] = mapped_column(String(32), unique=True)
    bundle_code: Mapped[str] = mapped_column(String(64), index=True)
    applicant_sub: Mapped[str] = mapped_column(String(64), index=True)
    applicant_id_number: Mapped[str] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(16))  # in_progress, concluded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ListVersion(Base):
    """A dated version of one department's list of one type (五张清单)."""

    __tablename__ = "list_versions"
    __table_args__ = (UniqueConstraint("list_type", "department_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_type: Mapped[str] = mapped_column(String(32), index=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft, submitted, published, superseded
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    effective_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CalendarDay(Base):
    """A holiday on a weekday, or a worked weekend day (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday, workday
    name: Mapped[str] = mapped_column(String(100), default="")


class SupervisionAlert(Base):
    __tablename__ = "supervision_alerts"
    __table_args__ = (UniqueConstraint("case_no", "kind", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(32), index=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # yellow, red, state_overdue
    state: Mapped[str] = mapped_column(String(100), default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evaluation(Base):
    """好差评: one rating per case by its applicant (GB/T 39734 five levels)."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    applicant_sub: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A bad rating's reasons from the national list (evaluation.reasons.BAD_RATING_REASONS).
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rectification(Base):
    """整改: the department's follow-up of a bad evaluation."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    case_no: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # open, done
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldLicense(Base):
    """A licence as the licence library's events tell it (personal/reminders.py): who holds it and
    until when, so that its holder is reminded before it expires. Data-sharing keeps the licence."""

    __tablename__ = "held_licenses"

    license_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    license_type: Mapped[str] = mapped_column(String(64))
    license_name: Mapped[str] = mapped_column(String(100), default="")
    holder_type: Mapped[str] = mapped_column(String(16))  # person, entity
    holder_id_number: Mapped[str] = mapped_column(String(18), index=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid, revoked, cancelled, expired
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExpiryReminder(Base):
    """One reminder sent for one licence at one threshold (days before expiry): the unique key makes
    a second scan, or a replica's scan, send nothing."""

    __tablename__ = "expiry_reminders"
    __table_args__ = (UniqueConstraint("license_no", "threshold_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_no: Mapped[str] = mapped_column(String(64))
    threshold_days: Mapped[int] = mapped_column(Integer)
    holder_id_number: Mapped[str] = mapped_column(String(18))
    renewal_item_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonalOptOut(Base):
    """An applicant who wants no more of one kind of personalised service (recommendations,
    expiry reminders, proactive offers)."""

    __tablename__ = "personal_opt_outs"
    __table_args__ = (UniqueConstraint("applicant_id_number", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    applicant_id_number: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # recommendation, expiry_reminder, proactive
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyRecord(Base):
    """A filing's Idempotency-Key (cases/idempotency.py): per caller, the hash of the request and the
    answer given, written in the filing's own transaction; a resend with the key gets that answer."""

    __tablename__ = "idempotency_keys"

    owner_sub: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
