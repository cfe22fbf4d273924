"""The electronic-licence library's tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_sharing.base import Base
from gov_common.db import UTCDateTime


class LicenseType(Base):
    """A kind of licence (营业执照, 食品经营许可证, ...) with the fields it shows."""

    __tablename__ = "license_types"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    issuer_department: Mapped[str] = mapped_column(String(32))
    # [{"name", "label", "required"}]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Default validity from the issue date; None: long-term (长期).
    validity_years: Mapped[int | None] = mapped_column(Integer, nullable=True)


class License(Base):
    """An electronic licence (电子证照), signed over its canonical form."""

    __tablename__ = "licenses"

    license_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    license_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    holder_id_number: Mapped[str] = mapped_column(String(18), index=True)
    holder_name: Mapped[str] = mapped_column(String(100))
    holder_type: Mapped[str] = mapped_column(String(16))
    issuer_department: Mapped[str] = mapped_column(String(32))
    # One licence per case: a redelivered approval can never issue a second one. None for a
    # licence registered by staff or declared by its holder.
    case_no: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # valid, revoked, cancelled, expired
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    trust_level: Mapped[str] = mapped_column(String(1), default="A")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status_changed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Which canonical form the signature covers (1: before trust levels, 2: now).
    form_version: Mapped[int] = mapped_column(Integer, default=2)
    signature_alg: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
