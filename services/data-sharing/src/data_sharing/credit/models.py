"""The credit library (社会信用信息库): red-list and black-list records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_sharing.base import Base
from gov_common.db import UTCDateTime


class CreditRecord(Base):
    __tablename__ = "credit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(18), index=True)  # resident ID number or USCC
    subject_type: Mapped[str] = mapped_column(String(16))  # person, entity
    list: Mapped[str] = mapped_column(String(8))  # red, black
    reason: Mapped[str] = mapped_column(Text)
    source_department: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    def current(self, day: date) -> bool:
        """In force today or later: what the credit feed publishes (service-management reads the dates)."""
        return self.withdrawn_at is None and (self.valid_until is None or day <= self.valid_until)

    def in_force(self, day: date) -> bool:
        return (
            self.withdrawn_at is None
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


class CreditSubject(Base):
    """The credit feed's state of one subject: `version` grows with every change of its records, so
    that service-management keeps the newest fact whatever the order and number of deliveries."""

    __tablename__ = "credit_subjects"

    subject: Mapped[str] = mapped_column(String(18), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
