"""Data-quality reports per resource."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data_sharing.base import Base
from gov_common.db import UTCDateTime


class QualityReport(Base):
    __tablename__ = "quality_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(16))  # import, on_demand
    import_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    records: Mapped[int] = mapped_column(Integer)
    completeness: Mapped[dict[str, Any]] = mapped_column(JSON)
    validity: Mapped[dict[str, Any]] = mapped_column(JSON)
    duplicates: Mapped[dict[str, Any]] = mapped_column(JSON)
