"""The data catalogue (信息资源目录): resources, access requests and grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_sharing.base import Base
from gov_common.db import UTCDateTime


class Resource(Base):
    """A registered data resource: who owns it, what it holds, how it may be shared."""

    __tablename__ = "resources"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_department: Mapped[str] = mapped_column(String(32))
    # [{"name", "label"}]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sharing_type: Mapped[str] = mapped_column(String(16))  # unconditional, conditional, not_shared
    update_frequency: Mapped[str] = mapped_column(String(16))  # realtime, daily, ..., yearly
    # Holds personal or entity data: reads are audited and subjects may read their own records.
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    # Served by this service's own data APIs (the registries, credit, licences): fields fixed by code.
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccessRequest(Base):
    """A client application asking for fields of a resource, for a purpose (数据共享申请)."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_code: Mapped[str] = mapped_column(ForeignKey("resources.code"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    client_name: Mapped[str] = mapped_column(String(100))
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    valid_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, refused
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    grant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Grant(Base):
    """What one client application may read of one resource, until when."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"))
    resource_code: Mapped[str] = mapped_column(ForeignKey("resources.code"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    def active_at(self, now: datetime) -> bool:
        return self.revoked_at is None and self.valid_from <= now < self.valid_until
