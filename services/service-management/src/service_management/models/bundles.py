"""Bundles (一件事) and their applications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gov_common.db import UTCDateTime, utcnow
from service_management.models.base import Base


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
