"""The dimensions: working days, divisions by their GB/T 2260 code, items, departments, channels."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from data_sharing.registries.models import Division
from data_sharing.warehouse.models import date_dim, department_dim, division_dim, item_dim, material_dim
from data_sharing.warehouse.upsert import insert_ignore, upsert
from gov_common.workdays import WorkCalendar, official_calendar_days

# Years the calendar is loaded for; the package knows the State Council's published ones.
_YEARS = range(2004, 2036)


@lru_cache(maxsize=1)
def calendar() -> WorkCalendar:
    """The official calendar of holidays and adjusted working days (the platform's starting calendar:
    service-management's edits to it are not published as events, see docs/warehouse.md)."""
    return WorkCalendar.from_days({day: kind for day, (kind, _name) in official_calendar_days(_YEARS).items()})


def working_days(start: dt.date | None, end: dt.date | None) -> int | None:
    if start is None or end is None:
        return None
    return calendar().working_days_between(start, end)


def date_rows(year: int) -> list[dict[str, object]]:
    cal = calendar()
    day, rows = dt.date(year, 1, 1), []
    while day.year == year:
        rows.append(
            {
                "day": day,
                "year": year,
                "quarter": (day.month - 1) // 3 + 1,
                "month": day.month,
                "weekday": day.isoweekday(),
                "working_day": cal.is_working_day(day),
            }
        )
        day += dt.timedelta(days=1)
    return rows


def ensure_year(session: Session, year: int) -> None:
    """The year's days in the date dimension (one look-up when they are there; not remembered in the
    session, whose savepoint may yet be rolled back)."""
    if session.scalar(select(date_dim.c.day).where(date_dim.c.day == dt.date(year, 12, 31))) is None:
        insert_ignore(session, date_dim, date_rows(year), key=["day"])


def division_of(applicant_type: str | None, number: str | None) -> str | None:
    """The division code an identity number carries: the first six digits of a resident ID number
    (where it was issued), characters 3–8 of a unified social credit code (the registering authority's)."""
    if not number:
        return None
    code = number[2:8] if applicant_type == "entity" else number[:6]
    return code if len(code) == 6 and code.isdigit() and not code.endswith("0000") else None


def division_row(code: str, name: str | None) -> dict[str, object]:
    level = "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
    return {
        "code": code,
        "name": name,
        "level": level,
        "province_code": code[:2] + "0000",
        "city_code": code[:4] + "00",
        "county_code": code if level == "county" else None,
    }


# Dimension rows this process has written and seen committed, by database: most events name an item,
# a department and a division already there, and skipping their writes saves a third of the statements
# of an event. (A row whose savepoint was rolled back after being noted may stay without its name:
# names only, the facts never depend on them.)
_written: set[tuple[Any, ...]] = set()
_PENDING = "wh_dimensions_pending"


def _first_time(session: Session, *key: Any) -> bool:
    full = (str(session.get_bind().engine.url), *key)
    pending: set[tuple[Any, ...]] = session.info.setdefault(_PENDING, set())
    if full in _written or full in pending:
        return False
    pending.add(full)
    return True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _written.update(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def ensure_division(session: Session, code: str) -> None:
    """The division and its parents, named from the geography registry where it knows them."""
    if not _first_time(session, "division", code):
        return
    codes = {code, code[:2] + "0000", code[:4] + "00"}
    names = {
        r.code: r.name for r in session.execute(select(Division.code, Division.name).where(Division.code.in_(codes)))
    }
    insert_ignore(session, division_dim, [division_row(c, names.get(c)) for c in sorted(codes)], key=["code"])


def ensure_item(
    session: Session, *, code: str, name: str | None, department_code: str | None, version: int | None
) -> None:
    if not _first_time(session, "item", code, name, department_code, version):
        return
    values: dict[str, object] = {"code": code}
    update: dict[str, object] = {}
    if name:
        values["name"] = update["name"] = name
    if department_code:
        values["department_code"] = update["department_code"] = department_code
    if version is not None:
        values["latest_version"] = version
    upsert(session, item_dim, values, key=["code"], update=update)


def ensure_department(session: Session, code: str) -> None:
    if not _first_time(session, "department", code):
        return
    insert_ignore(session, department_dim, [{"code": code, "name": None}], key=["code"])


def ensure_materials(session: Session, item_code: str, materials: list[dict[str, str]]) -> None:
    rows = [{"item_code": item_code, "code": m["code"], "name": m.get("name") or m["code"]} for m in materials]
    if rows and _first_time(session, "materials", item_code, tuple(sorted(r["code"] for r in rows))):
        insert_ignore(session, material_dim, rows, key=["item_code", "code"])
