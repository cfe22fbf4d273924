"""Service-management's tables: departments, service items, cases and their timelines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gov_common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    division_code: Mapped[str] = mapped_column(String(6))


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
    channel: Mapped[str] = mapped_column(String(16), default="online")
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    license_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    timeline: Mapped[list[CaseStep]] = relationship(lazy="raise", order_by="CaseStep.id", cascade="all, delete-orphan")


class CaseStep(Base):
    """One entry of a case's timeline: a status it reached, when, and who moved it there."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
