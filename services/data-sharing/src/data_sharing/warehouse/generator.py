"""A synthetic county year for the warehouse: cases over the demo catalogue with seasonality, working
days, channels, divisions, supplements, review steps and evaluations, applicants who go on to file a
related item (FOLLOW_UPS: "you may also need"), written straight into the live
slot's fact tables (COPY on PostgreSQL, batched INSERTs on SQLite), then summarised.

For demonstrations and the benchmark only (`data-sharing warehouse generate`): it replaces the live
slot's facts. The figures the platform's events produce are not mixed with these.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from data_sharing.warehouse import dimensions as dims
from data_sharing.warehouse import facts
from data_sharing.warehouse.handlers import slots
from data_sharing.warehouse.models import case_fact, department_dim, step_fact, supplement_fact
from data_sharing.warehouse.summaries import summarise
from data_sharing.warehouse.upsert import insert_ignore
from gov_common.db import Database
from gov_common.workdays import LOCAL_ZONE

log = logging.getLogger("data_sharing.warehouse.generator")
COUNTY = "330122"


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    department: str
    channels: tuple[str, ...]
    audience: tuple[str, ...]
    committed_days: int
    instant: bool
    steps: tuple[str, ...]
    materials: tuple[tuple[str, str], ...]
    weight: float


# The demo catalogue (service-management's seed): codes, departments, channels, limits, materials.
CATALOGUE = (
    ItemSpec(
        f"{COUNTY}-AMR-XK-0001", "个体工商户设立登记", "amr", ("online", "window", "mobile"), ("person",), 1, True,
        ("handle", "approve"),
        (("SQS", "个体工商户登记（备案）申请书"), ("SFZM", "经营者身份证明"), ("CSZM", "经营场所使用证明")),
        0.30,
    ),
    ItemSpec(
        f"{COUNTY}-AMR-XK-0002", "食品经营许可", "amr", ("online", "window"), ("person", "entity"), 10, False,
        ("handle", "review", "approve"),
        (("SQS", "食品经营许可申请书"), ("GLZD", "食品安全管理制度"), ("BJT", "主要设备设施布局和操作流程")),
        0.15,
    ),
    ItemSpec(
        f"{COUNTY}-PSB-XK-0001", "居住证申领", "psb", ("online", "window", "mobile"), ("person",), 7, False,
        ("handle", "approve"), (("SQB", "居住证申领登记表"), ("ZSZM", "居住地住所证明")), 0.25,
    ),
    ItemSpec(
        f"{COUNTY}-HRSS-QR-0001", "就业登记", "hrss", ("online", "window"), ("person", "entity"), 5, False,
        ("handle", "review", "approve"), (("DJB", "就业登记表"), ("LDHT", "劳动合同")), 0.12,
    ),
    ItemSpec(
        f"{COUNTY}-HRSS-GG-0001", "社会保障卡申领", "hrss", ("online", "window", "mobile"), ("person",), 3, False,
        ("handle",), (("SQB", "社会保障卡申领登记表"), ("ZP", "近期免冠证件照")), 0.18,
    ),
)  # fmt: skip
DEPARTMENTS = {"amr": "示范县市场监督管理局", "psb": "示范县公安局", "hrss": "示范县人力资源和社会保障局"}
# Where applicants' identity numbers were issued: mostly the county, then the city, then elsewhere.
DIVISIONS = (
    (COUNTY, 0.70),
    ("330102", 0.04), ("330105", 0.04), ("330106", 0.04), ("330108", 0.03), ("330110", 0.03),
    ("330127", 0.02), ("330182", 0.02), ("330212", 0.02), ("330302", 0.015), ("330522", 0.015),
    ("340102", 0.01), ("360102", 0.01), ("410102", 0.01), ("420102", 0.01), ("510104", 0.01),
    ("110105", 0.005), ("310115", 0.005), ("440305", 0.005), ("320106", 0.005),
)  # fmt: skip
# Filings by month (the Spring Festival in Jan/Feb and the National Day week in October are quiet).
MONTHS = (0.80, 0.65, 1.20, 1.15, 1.05, 1.10, 1.00, 0.95, 1.05, 0.80, 1.05, 1.20)
# Who filed an item often goes on to file another: (item, next item, share of its applicants who do).
FOLLOW_UPS = (
    (f"{COUNTY}-AMR-XK-0001", f"{COUNTY}-AMR-XK-0002", 0.40),  # 个体工商户设立登记 → 食品经营许可
    (f"{COUNTY}-AMR-XK-0001", f"{COUNTY}-HRSS-QR-0001", 0.15),  # → 就业登记 (an employee)
    (f"{COUNTY}-PSB-XK-0001", f"{COUNTY}-HRSS-GG-0001", 0.35),  # 居住证申领 → 社会保障卡申领
    (f"{COUNTY}-PSB-XK-0001", f"{COUNTY}-HRSS-QR-0001", 0.15),  # → 就业登记
    (f"{COUNTY}-HRSS-QR-0001", f"{COUNTY}-HRSS-GG-0001", 0.20),  # 就业登记 → 社会保障卡申领
)
CHANNEL_WEIGHT = {"online": 0.55, "window": 0.30, "mobile": 0.15}
AGE_BANDS = (("18-29", 0.28), ("30-44", 0.36), ("45-59", 0.24), ("60+", 0.10), ("0-17", 0.02))


@dataclass(frozen=True)
class Generated:
    cases: int
    steps: int
    supplements: int
    seconds: float


class _Calendar:
    """Working days of the year as positions, so that counting them is a subtraction."""

    def __init__(self, year: int) -> None:
        cal = dims.calendar()
        start = dt.date(year - 1, 12, 1)
        self.days = [start + dt.timedelta(days=n) for n in range(0, 460)]
        self.index: dict[dt.date, int] = {}
        count = 0
        self.working: list[dt.date] = []
        for day in self.days:
            if cal.is_working_day(day):
                count += 1
                self.working.append(day)
            self.index[day] = count
        self.position = {d: i for i, d in enumerate(self.working)}

    def between(self, a: dt.date, b: dt.date) -> int:
        return max(0, self.index[b] - self.index[a])

    def after(self, day: dt.date, working_days: int) -> dt.date:
        """The `working_days`-th working day after `day` (0: the day itself)."""
        if working_days == 0:
            return day
        base = self.index[day]  # working days up to and including `day`
        return self.working[base - 1 + working_days]


def _moment(day: dt.date, rng: random.Random, start_hour: float = 8.5, end_hour: float = 17.5) -> dt.datetime:
    seconds = int(rng.uniform(start_hour, end_hour) * 3600)
    local = dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_ZONE) + dt.timedelta(seconds=seconds)
    return local.astimezone(dt.UTC)


def _later(moment: dt.datetime, rng: random.Random, minutes: tuple[int, int]) -> dt.datetime:
    return moment + dt.timedelta(minutes=rng.randint(*minutes))


def _days_of_year(year: int, cal: _Calendar) -> tuple[list[dt.date], list[float]]:
    days, weights = [], []
    day = dt.date(year, 1, 1)
    while day.year == year:
        weight = MONTHS[day.month - 1] * (1.0 if cal.index[day] != cal.index[day - dt.timedelta(days=1)] else 0.06)
        days.append(day)
        weights.append(weight)
        day += dt.timedelta(days=1)
    return days, weights


def _cases(
    count: int, year: int, slot: int, seed: int
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    rng = random.Random(seed)
    cal = _Calendar(year)
    days, day_weights = _days_of_year(year, cal)
    filed_days = rng.choices(days, weights=day_weights, k=count)
    filed_days.sort()
    items = rng.choices(CATALOGUE, weights=[i.weight for i in CATALOGUE], k=count)
    divisions = rng.choices([d for d, _ in DIVISIONS], weights=[w for _, w in DIVISIONS], k=count)
    bands = rng.choices([b for b, _ in AGE_BANDS], weights=[w for _, w in AGE_BANDS], k=count)
    last_day = dt.date(year, 12, 31)
    applicants = _Applicants(seed)
    for n in range(count):
        item, day = items[n], filed_days[n]
        working = cal.index[day] != cal.index[day - dt.timedelta(days=1)]
        offered = [c for c in item.channels if working or c != "window"]
        channel = rng.choices(offered, weights=[CHANNEL_WEIGHT[c] for c in offered])[0]
        applicant_type = "entity" if "entity" in item.audience and rng.random() < 0.35 else "person"
        who = applicants.filing(
            item, day, (applicant_type, divisions[n], bands[n] if applicant_type == "person" else None)
        )
        applicant_type = who.type
        submitted = _moment(day, rng, 0.3 if channel != "window" else 8.5, 23.5 if channel != "window" else 17.5)
        work_day = day if working else cal.after(day, 1)
        row: dict[str, Any] = {
            "slot": slot,
            "case_no": f"{day:%Y%m%d}{n:010d}",
            "item_code": item.code,
            "item_version": 1,
            "department_code": item.department,
            "channel": channel,
            "applicant_type": applicant_type,
            "age_band": who.age_band,
            "division_code": who.division,
            "applicant_key": who.key,
            "submitted_at": submitted,
            "committed_days": item.committed_days,
            "instant_allowed": item.instant,
            "instant": False,
        }
        supplements: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        # How the case went: most finish; December's last ones may still be open.
        intake_day = work_day
        supplement_wait = 0
        if rng.random() < (0.22 if channel == "window" else 0.14):
            asked = rng.sample(item.materials, k=1 if rng.random() < 0.75 else 2)
            requested = _later(_moment(work_day, rng), rng, (5, 120))
            supplement_wait = rng.choice((0, 1, 1, 2, 2, 3, 4, 6))
            supplied_day = cal.after(work_day, supplement_wait)
            supplied: dt.datetime | None = (
                _moment(supplied_day, rng) if supplement_wait else _later(requested, rng, (30, 240))
            )
            if supplied_day > last_day:
                supplied = None
            for code, name in asked:
                supplements.append(
                    {"slot": slot, "case_no": row["case_no"], "requested_at": requested, "material_code": code,
                     "material_name": name, "supplied_at": supplied}
                )  # fmt: skip
            if supplied is None:
                yield _finish(row, cal), steps, supplements
                continue
            intake_day = supplied_day
        if rng.random() < 0.03:
            row["rejected_at"] = _moment(intake_day, rng)
            row["rejected_at"] = max(row["rejected_at"], submitted + dt.timedelta(minutes=5))
            row["outcome"] = "rejected"
            yield _finish(row, cal), steps, supplements
            continue
        accepted = max(_moment(intake_day, rng), submitted + dt.timedelta(minutes=1))
        if item.instant and channel != "window" and not supplements:
            accepted = submitted + dt.timedelta(seconds=rng.randint(1, 20))
        row["accepted_at"] = accepted
        dispatched = accepted + dt.timedelta(seconds=rng.randint(1, 30))
        row["dispatched_at"] = dispatched
        due_day = cal.after(day, item.committed_days + supplement_wait)
        row["due_at"] = dt.datetime.combine(due_day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_ZONE).astimezone(
            dt.UTC
        )
        if item.instant and rng.random() < 0.72:
            decided = dispatched + dt.timedelta(seconds=rng.randint(1, 10))
            row["instant"] = True
        else:
            moment, current = dispatched, dispatched
            for no, step in enumerate(item.steps, start=1):
                wait = rng.choices((0, 1, 2, 3, 4, 6, 9), weights=(30, 25, 18, 12, 7, 5, 3))[0]
                if item.department == "amr" and step == "review":
                    wait += rng.choice((0, 1, 2))
                left_day = cal.after(current.astimezone(LOCAL_ZONE).date(), wait)
                left = max(_moment(left_day, rng), current + dt.timedelta(minutes=rng.randint(5, 90)))
                if left.astimezone(LOCAL_ZONE).date() > last_day:
                    break
                steps.append(
                    {"slot": slot, "case_no": row["case_no"], "department_code": item.department, "step_no": no,
                     "left_at": left, "step": step, "step_label": None, "action": "approve",
                     "entered_at": current, "waiting_days": cal.between(current.astimezone(LOCAL_ZONE).date(),
                                                                          left.astimezone(LOCAL_ZONE).date())}
                )  # fmt: skip
                moment = current = left
            if len(steps) < len(item.steps):
                yield _finish(row, cal), steps, supplements
                continue
            decided = moment
        row["decided_at"] = decided
        if rng.random() < 0.04 and not row["instant"]:
            row["outcome"] = "denied"
            row["concluded_at"] = decided
            if steps:
                steps[-1]["action"] = "deny"
        else:
            row["outcome"] = "approved"
            row["concluded_at"] = decided + dt.timedelta(seconds=rng.randint(1, 600))
            row["license_no"] = f"L{row['case_no']}" if item.department == "amr" else None
        if rng.random() < 0.42:
            base = 4.6 if channel != "window" else 4.4
            if row["outcome"] == "denied":
                base -= 1.4
            row["rating"] = max(1, min(5, round(rng.gauss(base, 0.8))))
            row["evaluated_at"] = row["concluded_at"] + dt.timedelta(hours=rng.randint(1, 72))
        if rng.random() < 0.04:
            row["yellow"] = True
        yield _finish(row, cal), steps, supplements


@dataclass(frozen=True)
class _Applicant:
    key: str
    type: str
    division: str
    age_band: str | None


class _Applicants:
    """Who files each case: a new applicant, or (FOLLOW_UPS) one who filed the item before it on an
    earlier day and is waiting to file this one. Its own random stream, so the cases stay as they were."""

    TAKE = 0.85  # share of a follow-up item's filings made by someone waiting for it, when anyone is

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7919 + 1)
        self.waiting: dict[tuple[str, str], deque[tuple[dt.date, _Applicant]]] = {
            (a, b): deque() for a, b, _ in FOLLOW_UPS
        }

    def filing(self, item: ItemSpec, day: dt.date, new: tuple[str, str, str | None]) -> _Applicant:
        queues = [q for (_, b), q in self.waiting.items() if b == item.code and q and q[0][0] < day]
        if queues and self.rng.random() < self.TAKE:
            who = self.rng.choice(queues).popleft()[1]
        else:
            who = _Applicant(f"{self.rng.getrandbits(128):032x}", *new)
        for a, b, share in FOLLOW_UPS:
            if a == item.code and who.type in _AUDIENCE[b] and self.rng.random() < share:
                self.waiting[(a, b)].append((day, who))
        return who


_AUDIENCE = {i.code: i.audience for i in CATALOGUE}


def _finish(row: dict[str, Any], cal: _Calendar) -> dict[str, Any]:
    def day(value: dt.datetime | None) -> dt.date | None:
        return value.astimezone(LOCAL_ZONE).date() if value is not None else None

    def between(a: dt.datetime | None, b: dt.datetime | None) -> int | None:
        return cal.between(day(a), day(b)) if a is not None and b is not None else None  # type: ignore[arg-type]

    ended = row.get("concluded_at") or row.get("rejected_at")
    due = row.get("due_at")
    row.update(
        filed_at=row["submitted_at"],
        filed_on=day(row["submitted_at"]),
        intake_days=between(row["submitted_at"], row.get("accepted_at")),
        review_days=between(row.get("dispatched_at"), row.get("decided_at")),
        conclude_days=between(row.get("decided_at"), row.get("concluded_at")),
        total_days=between(row["submitted_at"], ended),
        on_time=(ended <= due) if ended is not None and due is not None else None,
    )
    return row


def _supplement_figures(row: dict[str, Any], supplements: list[dict[str, Any]], cal: _Calendar) -> None:
    requests = {s["requested_at"]: s["supplied_at"] for s in supplements}
    row["supplements"] = len(requests)
    waited = [
        cal.between(r.astimezone(LOCAL_ZONE).date(), s.astimezone(LOCAL_ZONE).date())
        for r, s in requests.items()
        if s is not None
    ]
    row["supplement_days"] = sum(waited) if waited else None


CASE_COLUMNS = [c.name for c in case_fact.columns]
STEP_COLUMNS = [c.name for c in step_fact.columns]
SUPPLEMENT_COLUMNS = [c.name for c in supplement_fact.columns]
_DEFAULT = {"instant": False, "yellow": False, "red": False, "escalated": False, "supplements": 0}


class _Writer:
    """Rows to one table: COPY on PostgreSQL, INSERT batches on SQLite."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.session, self.table, self.columns = session, table, list(columns)
        self.batch: list[dict[str, Any]] = []
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self.batch.append(row)
        if len(self.batch) >= 20000:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        self.count += len(self.batch)
        if self.postgres:
            raw = self.session.connection().connection.dbapi_connection
            assert raw is not None
            names = ", ".join(self.columns)
            with raw.cursor() as cursor, cursor.copy(f"COPY {self.table.name} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in self.batch:
                    copy.write_row([row.get(c, _DEFAULT.get(c)) for c in self.columns])
        else:
            self.session.execute(
                self.table.insert(), [{c: row.get(c, _DEFAULT.get(c)) for c in self.columns} for row in self.batch]
            )
        self.batch = []


def generate(
    db: Database,
    *,
    cases: int,
    year: int,
    seed: int = 2025,
    progress: Callable[[int], None] | None = None,
) -> Generated:
    """Replace the live slot's facts by `cases` synthetic cases filed in `year`, and summarise them."""
    started = time.monotonic()
    cal = _Calendar(year)
    with db.session() as session:
        slot, _ = slots(session)
        facts.clear_slot(session, slot)
        for year_ in (year, year + 1):
            dims.ensure_year(session, year_)
        for code in {d for d, _ in DIVISIONS}:
            dims.ensure_division(session, code)
        for code, name in DEPARTMENTS.items():
            insert_ignore(session, department_dim, [{"code": code, "name": name}], key=["code"])
        for item in CATALOGUE:
            dims.ensure_item(session, code=item.code, name=item.name, department_code=item.department, version=1)
            dims.ensure_materials(session, item.code, [{"code": c, "name": n} for c, n in item.materials])
        writers = (
            _Writer(session, case_fact, CASE_COLUMNS),
            _Writer(session, step_fact, STEP_COLUMNS),
            _Writer(session, supplement_fact, SUPPLEMENT_COLUMNS),
        )
        for n, (row, steps, supplements) in enumerate(_cases(cases, year, slot, seed), start=1):
            _supplement_figures(row, supplements, cal)
            writers[0].add(row)
            for s in steps:
                writers[1].add(s)
            for s in supplements:
                writers[2].add(s)
            if progress and n % 100000 == 0:
                progress(n)
        for writer in writers:
            writer.flush()
        summarise(session, slot)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:  # fresh statistics for the planner
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    return Generated(
        cases=writers[0].count, steps=writers[1].count, supplements=writers[2].count, seconds=time.monotonic() - started
    )
