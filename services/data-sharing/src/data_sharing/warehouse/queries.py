"""The leaders' cockpit (领导驾驶舱): aggregates over the live slot's summaries, under typed filters.

Every function takes a `Filters` and returns rows; each row says how many cases stand behind each of
its figures (`cases`, and for a figure with a narrower base, the field named in `BASES`), so that a
caller showing it outside the owning department passes it through `suppress()` first. Only aggregates
leave here: no row names a case or an applicant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, Table, and_, cast, func, select
from sqlalchemy.orm import Session

from data_sharing.warehouse.handlers import slots
from data_sharing.warehouse.models import (
    case_daily,
    date_dim,
    department_dim,
    division_dim,
    item_dim,
    material_dim,
    step_daily,
    supplement_daily,
)

Level = Literal["province", "city", "county"]
Period = Literal["day", "month", "quarter", "year"]
MIN_CASES = 5


@dataclass(frozen=True)
class Filters:
    """What a cockpit view is about; `date_from`/`date_to` (inclusive) bound the day of filing."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    department_code: str | None = None
    item_code: str | None = None
    channel: str | None = None
    division_level: Level | None = None
    division_code: str | None = None

    def __post_init__(self) -> None:
        code = self.division_code
        if code is not None and (len(code) != 6 or not code.isdigit()):
            raise ValueError("division_code: 行政区划代码应为 6 位数字（GB/T 2260）")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from: 起始日期晚于结束日期")

    @property
    def level(self) -> Level | None:
        if self.division_code is None:
            return None
        if self.division_level:
            return self.division_level
        code = self.division_code
        return "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"


def _where(table: Table, f: Filters, slot: int, *, department: bool = True) -> list[ColumnElement[bool]]:
    c = table.c
    clauses: list[ColumnElement[bool]] = [c.slot == slot]
    if f.date_from:
        clauses.append(c.day >= f.date_from)
    if f.date_to:
        clauses.append(c.day <= f.date_to)
    if f.department_code and department:
        clauses.append(c.department_code == f.department_code)
    if f.item_code:
        clauses.append(c.item_code == f.item_code)
    if f.channel:
        clauses.append(c.channel == f.channel)
    if f.division_code:
        prefix = {"province": 2, "city": 4, "county": 6}[f.level or "county"]
        low = f.division_code[:prefix]
        # A range over the 6-digit codes, which the summaries' order serves.
        clauses.append(and_(c.division_code >= low.ljust(6, "0"), c.division_code <= low.ljust(6, "9")))
    return clauses


def _live(session: Session) -> int:
    return slots(session)[0]


def _share(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if part is not None and whole else None


def _mean(total: int | None, n: int | None) -> float | None:
    return round(total / n, 2) if total is not None and n else None


# ---------------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class Row:
    KEYS: ClassVar[tuple[str, ...]] = ()
    # figure -> the field that counts the cases behind it (default: `cases`)
    BASES: ClassVar[dict[str, str]] = {}
    cases: int | None
    suppressed: bool = dataclasses.field(default=False, kw_only=True)


@dataclass(frozen=True)
class VolumeRow(Row):
    KEYS = ("period",)
    period: str
    accepted: int | None
    decided: int | None
    concluded: int | None
    approved: int | None
    denied: int | None
    rejected: int | None
    instant: int | None
    working_days: int | None  # working days among the period's days that had filings


@dataclass(frozen=True)
class FunnelRow(Row):
    KEYS = ("stage",)
    stage: str  # submitted, accepted, decided, concluded
    share_of_submitted: float | None


@dataclass(frozen=True)
class WaitRow(Row):
    """`cases`: the steps (one per case and pass) behind the figures."""

    KEYS = ("department_code", "department_name", "step")
    department_code: str
    department_name: str | None
    step: str
    average_waiting_days: float | None
    long_waits: int | None


@dataclass(frozen=True)
class MaterialRow(Row):
    """`cases`: the cases asked to supply this material."""

    KEYS = ("item_code", "item_name", "material_code", "material_name")
    item_code: str
    item_name: str | None
    material_code: str
    material_name: str | None


@dataclass(frozen=True)
class ShareRow(Row):
    """`cases`: the cases decided (instant share) or ended with a due time (on-time rate)."""

    KEYS = ("key", "name")
    key: str
    name: str | None
    count: int | None
    share: float | None


@dataclass(frozen=True)
class SatisfactionRow(Row):
    """`cases`: the cases evaluated."""

    KEYS = ("key", "name")
    key: str
    name: str | None
    average_rating: float | None
    satisfied_share: float | None


@dataclass(frozen=True)
class DivisionRow(Row):
    """One division, department or item of the drill-down; `cases` filed, each rate with its base."""

    KEYS = ("level", "code", "name")
    BASES: ClassVar[dict[str, str]] = {
        "instant_share": "decided",
        "on_time_rate": "timed",
        "average_rating": "rated",
        "average_total_days": "total_n",
    }
    level: str  # county (or city/province), department, item
    code: str
    name: str | None
    concluded: int | None
    decided: int | None
    instant_share: float | None
    timed: int | None
    on_time_rate: float | None
    rated: int | None
    average_rating: float | None
    total_n: int | None
    average_total_days: float | None


@dataclass(frozen=True)
class Overview(Row):
    BASES = DivisionRow.BASES
    decided: int | None
    instant_share: float | None
    timed: int | None
    on_time_rate: float | None
    rated: int | None
    average_rating: float | None
    total_n: int | None
    average_total_days: float | None
    supplemented_share: float | None


R = TypeVar("R", bound=Row)


def suppress(rows: Sequence[R], min_cases: int = MIN_CASES) -> list[R]:
    """Rows fit to be shown outside the department that owns the cases: a row built from fewer than
    `min_cases` cases keeps only its keys; a figure whose own base is under it is blanked."""
    out = []
    for row in rows:
        names = [f.name for f in dataclasses.fields(row) if f.name not in (*row.KEYS, "suppressed")]
        if row.cases is None or row.cases < min_cases:
            out.append(dataclasses.replace(row, **dict.fromkeys(names), suppressed=True))
            continue
        blank = {
            figure: None
            for figure, base in row.BASES.items()
            if (getattr(row, base) or 0) < min_cases and getattr(row, figure) is not None
        }
        if blank:
            blank.update({base: None for figure, base in row.BASES.items() if figure in blank})
            out.append(dataclasses.replace(row, **blank, suppressed=True))
        else:
            out.append(row)
    return out


# ---------------------------------------------------------------------------------------------
# Queries


def _sums(*measures: str, table: Table = case_daily) -> list[Any]:
    return [func.coalesce(func.sum(table.c[m]), 0).label(m) for m in measures]


def volumes(session: Session, f: Filters, *, period: Period = "month") -> list[VolumeRow]:
    """Filings per period, with how many were accepted, decided, concluded, by outcome."""
    d = date_dim.c
    keys = {"day": [d.day], "month": [d.year, d.month], "quarter": [d.year, d.quarter], "year": [d.year]}[period]
    measures = ("cases", "accepted", "decided", "concluded", "approved", "denied", "rejected", "instant")
    daily = (
        select(case_daily.c.day, *_sums(*measures))
        .where(*_where(case_daily, f, _live(session)))
        .group_by(case_daily.c.day)
        .subquery()
    )
    query = (
        select(
            *keys,
            *(func.sum(daily.c[m]).label(m) for m in measures),
            func.sum(cast(d.working_day, Integer)).label("working_days"),
        )
        .join_from(daily, date_dim, date_dim.c.day == daily.c.day)
        .group_by(*keys)
        .order_by(*keys)
    )
    rows = []
    for r in session.execute(query).mappings():
        if period == "day":
            label = r["day"].isoformat()
        elif period == "month":
            label = f"{r['year']}-{r['month']:02d}"
        elif period == "quarter":
            label = f"{r['year']}-Q{r['quarter']}"
        else:
            label = str(r["year"])
        counts = {m: int(r[m]) for m in measures}
        rows.append(VolumeRow(period=label, working_days=int(r["working_days"]), **counts))  # type: ignore[arg-type]
    return rows


def _totals(session: Session, f: Filters, *measures: str) -> dict[str, int]:
    row = session.execute(select(*_sums(*measures)).where(*_where(case_daily, f, _live(session)))).mappings().one()
    return {m: int(row[m]) for m in measures}


def funnel(session: Session, f: Filters) -> list[FunnelRow]:
    """Submitted → accepted → decided → concluded (办结: approved and concluded, or denied)."""
    t = _totals(session, f, "cases", "accepted", "decided", "concluded")
    stages = (
        ("submitted", t["cases"]),
        ("accepted", t["accepted"]),
        ("decided", t["decided"]),
        ("concluded", t["concluded"]),
    )
    return [FunnelRow(stage=s, cases=n, share_of_submitted=_share(n, t["cases"])) for s, n in stages]


def longest_waits(session: Session, f: Filters, *, per_department: int = 5) -> list[WaitRow]:
    """The steps where cases wait longest, per department: mean working days from entering a step
    (the previous step's end, or the dispatch) to leaving it."""
    s = step_daily.c
    query = (
        select(
            s.department_code,
            department_dim.c.name,
            s.step,
            *_sums("steps", "waited", "waiting_days_sum", "long_waits", table=step_daily),
        )
        .join_from(step_daily, department_dim, department_dim.c.code == s.department_code, isouter=True)
        .where(*_where(step_daily, f, _live(session)))
        .group_by(s.department_code, department_dim.c.name, s.step)
    )
    rows = [
        WaitRow(
            department_code=r.department_code,
            department_name=r.name,
            step=r.step,
            cases=int(r.steps),
            average_waiting_days=_mean(int(r.waiting_days_sum), int(r.waited)),
            long_waits=int(r.long_waits),
        )
        for r in session.execute(query)
    ]
    rows.sort(key=lambda w: (w.department_code, -(w.average_waiting_days or 0), w.step))
    out: list[WaitRow] = []
    for row in rows:
        if sum(1 for o in out if o.department_code == row.department_code) < per_department:
            out.append(row)
    return out


def supplement_materials(session: Session, f: Filters, *, limit: int = 10) -> list[MaterialRow]:
    """The materials most often asked for in supplement requests (补正): what the guide should explain."""
    s = supplement_daily.c
    asked = func.sum(s.asked).label("asked")
    query = (
        select(
            s.item_code,
            item_dim.c.name.label("item_name"),
            s.material_code,
            material_dim.c.name.label("material_name"),
            asked,
        )
        .join_from(supplement_daily, item_dim, item_dim.c.code == s.item_code, isouter=True)
        .join(
            material_dim,
            and_(material_dim.c.item_code == s.item_code, material_dim.c.code == s.material_code),
            isouter=True,
        )
        .where(*_where(supplement_daily, f, _live(session)))
        .group_by(s.item_code, item_dim.c.name, s.material_code, material_dim.c.name)
        .order_by(asked.desc(), s.item_code, s.material_code)
        .limit(limit)
    )
    return [
        MaterialRow(
            item_code=r.item_code,
            item_name=r.item_name,
            material_code=r.material_code,
            material_name=r.material_name,
            cases=int(r.asked),
        )
        for r in session.execute(query)
    ]


_GROUPS = {"item": (case_daily.c.item_code, item_dim), "department": (case_daily.c.department_code, department_dim)}


def _grouped(session: Session, f: Filters, by: str, *measures: str) -> list[Any]:
    if by == "channel":
        from data_sharing.warehouse.models import channel_dim

        column, dim = case_daily.c.channel, channel_dim
    elif by in _GROUPS:
        column, dim = _GROUPS[by]
    else:
        raise ValueError(f"by: 分组方式应为 item、department 或 channel 之一（而非 {by}）")
    query = (
        select(column.label("key"), dim.c.name, *_sums(*measures))
        .join_from(case_daily, dim, dim.c.code == column, isouter=True)
        .where(*_where(case_daily, f, _live(session)))
        .group_by(column, dim.c.name)
        .order_by(column)
    )
    return list(session.execute(query))


def instant_share(session: Session, f: Filters, *, by: str = "item") -> list[ShareRow]:
    """Of the cases decided, the share decided by rules alone (秒批)."""
    return [
        ShareRow(key=r.key, name=r.name, cases=int(r.decided), count=int(r.instant), share=_share(r.instant, r.decided))
        for r in _grouped(session, f, by, "decided", "instant")
    ]


def on_time_rate(session: Session, f: Filters, *, by: str = "department") -> list[ShareRow]:
    """Of the cases ended with a known due time, the share ended by it."""
    return [
        ShareRow(key=r.key, name=r.name, cases=int(r.timed), count=int(r.on_time), share=_share(r.on_time, r.timed))
        for r in _grouped(session, f, by, "timed", "on_time")
    ]


def satisfaction(session: Session, f: Filters, *, by: str = "item") -> list[SatisfactionRow]:
    """Evaluations (好差评) by item or by channel: mean rating and the share rated 4 or 5."""
    return [
        SatisfactionRow(
            key=r.key,
            name=r.name,
            cases=int(r.rated),
            average_rating=_mean(r.rating_sum, r.rated),
            satisfied_share=_share(r.satisfied, r.rated),
        )
        for r in _grouped(session, f, by, "rated", "rating_sum", "satisfied")
    ]


_DRILL = (
    "cases",
    "concluded",
    "decided",
    "instant",
    "timed",
    "on_time",
    "rated",
    "rating_sum",
    "total_n",
    "total_days_sum",
)


def _division_row(level: str, code: str, name: str | None, r: Any) -> DivisionRow:
    return DivisionRow(
        level=level,
        code=code,
        name=name,
        cases=int(r.cases),
        concluded=int(r.concluded),
        decided=int(r.decided),
        instant_share=_share(r.instant, r.decided),
        timed=int(r.timed),
        on_time_rate=_share(r.on_time, r.timed),
        rated=int(r.rated),
        average_rating=_mean(r.rating_sum, r.rated),
        total_n=int(r.total_n),
        average_total_days=_mean(r.total_days_sum, r.total_n),
    )


def by_division(session: Session, f: Filters) -> list[DivisionRow]:
    """The view by the applicants' divisions, with drill-down: no division → the counties (or, with a
    province or city, the counties in it); a county → its departments; a county and a department →
    its items."""
    c = case_daily.c
    live = _live(session)
    if f.level == "county" and f.department_code:
        column, dim, level = c.item_code, item_dim, "item"
    elif f.level == "county":
        column, dim, level = c.department_code, department_dim, "department"
    else:
        column, dim, level = c.division_code, division_dim, "county"
    query: Select[Any] = (
        select(column.label("key"), dim.c.name, *_sums(*_DRILL))
        .join_from(case_daily, dim, dim.c.code == column, isouter=True)
        .where(*_where(case_daily, f, live))
        .group_by(column, dim.c.name)
        .order_by(column)
    )
    return [_division_row(level, r.key, r.name, r) for r in session.execute(query)]


def overview(session: Session, f: Filters) -> Overview:
    """The headline figures of the filtered cases."""
    t = _totals(session, f, *_DRILL, "supplemented")
    return Overview(
        cases=t["cases"],
        decided=t["decided"],
        instant_share=_share(t["instant"], t["decided"]),
        timed=t["timed"],
        on_time_rate=_share(t["on_time"], t["timed"]),
        rated=t["rated"],
        average_rating=_mean(t["rating_sum"], t["rated"]),
        total_n=t["total_n"],
        average_total_days=_mean(t["total_days_sum"], t["total_n"]),
        supplemented_share=_share(t["supplemented"], t["cases"]),
    )
