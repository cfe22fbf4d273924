"""The five lists (五张清单), versioned per department."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gov_common.db import UTCDateTime, utcnow
from service_management.models.base import Base


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
