"""The working-day calendar as data: holidays and adjusted working days, editable by an admin."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from gov_common.errors import InvalidField, NotFound
from gov_common.workdays import HOLIDAY, WORKDAY, WorkCalendar, official_calendar_days
from service_management.models import CalendarDay

_CACHE_KEY = "service_management.calendar"
_days = cast(Table, CalendarDay.__table__)
# Every day of the calendar, built once (a statement built per call cost about as much as reading it).
_ALL_DAYS = select(_days.c.day, _days.c.kind)


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar, read once per unit of work (filing, accepting and dispatching a case all count
    working days); editing a day in the same unit of work reads it again."""
    cached: WorkCalendar | None = session.info.get(_CACHE_KEY)
    if cached is None:
        rows = session.execute(_ALL_DAYS).all()
        cached = session.info[_CACHE_KEY] = WorkCalendar.from_days({row.day: row.kind for row in rows})
    return cached


def _forget(session: Session) -> None:
    session.info.pop(_CACHE_KEY, None)


def ensure_official_days(session: Session, *, years: list[int]) -> int:
    """On an empty calendar, start from the published holidays of `years`; returns days added."""
    if (session.scalar(select(func.count()).select_from(CalendarDay)) or 0) > 0:
        return 0
    days = official_calendar_days(years)
    for day, (kind, name) in days.items():
        session.add(CalendarDay(day=day, kind=kind, name=name))
    _forget(session)
    return len(days)


def list_days(session: Session, *, year: int | None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
    return list(session.scalars(query).all())


def set_day(session: Session, *, day: dt.date, kind: str, name: str) -> CalendarDay:
    if kind == HOLIDAY and day.weekday() >= 5:
        raise InvalidField("kind", "周末本就不是工作日；只有工作日可以设为节假日")
    if kind == WORKDAY and day.weekday() < 5:
        raise InvalidField("kind", "工作日本就是工作日；只有周末可以设为调休工作日")
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, kind=kind, name=name)
        session.add(row)
    else:
        row.kind, row.name = kind, name
    session.flush()
    _forget(session)
    return row


def delete_day(session: Session, *, day: dt.date) -> None:
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"{day} 在日历上是普通日期", field="day")
    session.delete(row)
    _forget(session)
