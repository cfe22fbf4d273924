"""Personalised services: licences applicants hold, expiry reminders sent, opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gov_common.db import UTCDateTime, utcnow
from service_management.models.base import Base


class HeldLicense(Base):
    """A licence as the licence library's events tell it (personal/reminders.py): who holds it and
    until when, so that its holder is reminded before it expires. Data-sharing keeps the licence."""

    __tablename__ = "held_licenses"

    license_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    license_type: Mapped[str] = mapped_column(String(64))
    license_name: Mapped[str] = mapped_column(String(100), default="")
    holder_type: Mapped[str] = mapped_column(String(16))  # person, entity
    holder_id_number: Mapped[str] = mapped_column(String(18), index=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid, revoked, cancelled, expired
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExpiryReminder(Base):
    """One reminder sent for one licence at one threshold (days before expiry): the unique key makes
    a second scan, or a replica's scan, send nothing."""

    __tablename__ = "expiry_reminders"
    __table_args__ = (UniqueConstraint("license_no", "threshold_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_no: Mapped[str] = mapped_column(String(64))
    threshold_days: Mapped[int] = mapped_column(Integer)
    holder_id_number: Mapped[str] = mapped_column(String(18))
    renewal_item_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonalOptOut(Base):
    """An applicant who wants no more of one kind of personalised service (recommendations,
    expiry reminders, proactive offers)."""

    __tablename__ = "personal_opt_outs"
    __table_args__ = (UniqueConstraint("applicant_id_number", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    applicant_id_number: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # recommendation, expiry_reminder, proactive
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
