"""One notification to one applicant, made from one event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gov_common.db import UTCDateTime, utcnow
from portal_gateway.models import Base


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_id_number", "recipient_type", "occurred_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    # The event it was made from: a replayed or duplicated event finds it and makes no second one.
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    # Who it is for, by identity (一号申请): the account registered with this resident ID number
    # (person) or unified social credit code (entity) reads it, whenever it registers.
    recipient_type: Mapped[str] = mapped_column(String(16))
    recipient_id_number: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    case_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    license_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # An item to apply for, for a link (the renewal item of an expiring licence).
    item_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # When it happened (the event's time) and when the gateway learnt of it.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
