"""The catalogue: departments and the versions of their service items (事项)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gov_common.db import UTCDateTime, utcnow
from service_management.models.base import Base


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
