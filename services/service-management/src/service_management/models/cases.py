"""A case (办件) and what belongs to it: its timeline, progress, materials and the uploads behind them,
supplement requests, stored decisions, and the idempotency records of filings."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gov_common.db import UTCDateTime, utcnow
from service_management.models.base import Base


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


class IdempotencyRecord(Base):
    """A filing's Idempotency-Key (cases/idempotency.py): per caller, the hash of the request and the
    answer given, written in the filing's own transaction; a resend with the key gets that answer."""

    __tablename__ = "idempotency_keys"

    owner_sub: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
