"""A department's work items: the cases dispatched to it, their review and decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gov_common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class WorkItem(Base):
    __tablename__ = "work_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    department_code: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str] = mapped_column(String(64))
    item_version: Mapped[int] = mapped_column(Integer)
    item_name: Mapped[str] = mapped_column(String(200))
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    license_spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, approved, denied
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The explanation of an automated decision: which rule version, on which facts, said what.
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rule_inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rule_output: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
