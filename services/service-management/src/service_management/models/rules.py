"""Decision tables (决策表), versioned per item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gov_common.db import UTCDateTime, utcnow
from service_management.models.base import Base


class DecisionTable(Base):
    """One version of an item's decision table (a GoRules JDM graph), edited through the API. Never
    changed once written (an edit is a new version): filings keep the versions they read
    (`rules.service.current_table_version`)."""

    __tablename__ = "decision_tables"
    __table_args__ = (UniqueConstraint("item_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
