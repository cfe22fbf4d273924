"""Data-sharing's tables: the electronic-licence library."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gov_common.db import UTCDateTime


class Base(DeclarativeBase):
    pass


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
    # One licence per case: a redelivered approval can never issue a second one.
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # valid, revoked, cancelled, expired
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signature_alg: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
