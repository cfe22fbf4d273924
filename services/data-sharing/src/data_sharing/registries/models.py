"""The four base registries (四大基础库) and their imports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data_sharing.base import Base
from gov_common.db import UTCDateTime


class Division(Base):
    """An administrative division (行政区划), GB/T 2260."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))  # province, city, county
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"), nullable=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceHall(Base):
    """A government service hall (政务服务大厅) and where it is."""

    __tablename__ = "service_halls"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    opening_hours: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Person(Base):
    """A natural person in the population registry (人口库)."""

    __tablename__ = "persons"

    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(8))  # male, female (from the ID number)
    birth_date: Mapped[date] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    household_division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    residence_address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LegalEntity(Base):
    """A legal person or other registered subject in the legal-entity registry (法人库)."""

    __tablename__ = "legal_entities"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    legal_representative: Mapped[str] = mapped_column(String(100))
    # Whose account may open the entity's (docs/identity.md); None where the registry lacks it.
    legal_representative_id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(18, 4), nullable=True)  # 万元
    established_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    business_scope: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # active, cancelled, revoked
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EconomicIndicator(Base):
    """One value of a macro-economic indicator (宏观经济库) for a division and a period."""

    __tablename__ = "economic_indicators"
    __table_args__ = (UniqueConstraint("indicator_code", "division_code", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(String(32))
    indicator_name: Mapped[str] = mapped_column(String(100))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY, YYYY-Qn, YYYY-MM
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegistryImport(Base):
    """One CSV import and its report."""

    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))  # partial, all_or_nothing
    status: Mapped[str] = mapped_column(String(24))  # committed, partially_committed, rejected
    total_rows: Mapped[int] = mapped_column(Integer)
    accepted_rows: Mapped[int] = mapped_column(Integer)
    rejected_rows: Mapped[int] = mapped_column(Integer)
    # [{"line", "field", "message"}]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    quality_report_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
