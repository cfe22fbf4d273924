"""Working days on a configurable calendar: weekends, public holidays and adjusted working days
(调休: a Saturday or Sunday that is worked). Time limits of cases count working days.

The calendar itself is data (a service stores it and lets an administrator edit it);
`official_calendar_days()` gives the State Council's published holidays and adjusted working
days from the `chinese_calendar` package as a starting point, for the years it knows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
HOLIDAY = "holiday"
WORKDAY = "workday"


@dataclass(frozen=True)
class WorkCalendar:
    """`holidays` are days off that would be working days; `workdays` are weekend days worked."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def from_days(cls, days: Mapping[dt.date, str]) -> WorkCalendar:
        return cls(
            holidays=frozenset(d for d, kind in days.items() if kind == HOLIDAY),
            workdays=frozenset(d for d, kind in days.items() if kind == WORKDAY),
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (counting begins the next day, 次日起算)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many working days have passed from start to end."""
        if end <= start:
            return 0
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + dt.timedelta(days=n)))


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_ZONE).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """24:00 of `day` in Asia/Shanghai, as an aware UTC datetime."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_ZONE).astimezone(dt.UTC)


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    due_date: dt.date


def deadline(calendar: WorkCalendar, start: dt.datetime, working_days: int) -> Deadline:
    due = calendar.add_working_days(local_date(start), working_days)
    return Deadline(due_at=end_of_day(due), due_date=due)


def extend(calendar: WorkCalendar, due_date: dt.date, paused_from: dt.datetime, resumed_at: dt.datetime) -> Deadline:
    """Move a due date by the working days that passed while a clock was paused."""
    lost = calendar.working_days_between(local_date(paused_from), local_date(resumed_at))
    due = calendar.add_working_days(due_date, lost)
    return Deadline(due_at=end_of_day(due), due_date=due)


def remaining_working_days(calendar: WorkCalendar, now: dt.datetime, due_date: dt.date) -> int:
    """Working days left until the due date (negative when overdue)."""
    today = local_date(now)
    if today <= due_date:
        return calendar.working_days_between(today, due_date)
    return -calendar.working_days_between(due_date, today)


def official_calendar_days(years: Iterable[int]) -> dict[dt.date, tuple[str, str]]:
    """Holidays and adjusted working days published for `years`: {date: (kind, name)}."""
    from chinese_calendar import constants

    wanted = set(years)
    days: dict[dt.date, tuple[str, str]] = {}
    for day, name in constants.holidays.items():
        # The package lists weekend days inside a holiday too; only weekdays off change the count.
        if day.year in wanted and day.weekday() < 5:
            days[day] = (HOLIDAY, str(name))
    for day, name in constants.workdays.items():
        if day.year in wanted:
            days[day] = (WORKDAY, str(name))
    return days
