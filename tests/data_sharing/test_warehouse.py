"""The warehouse (docs/warehouse.md): events through the real handlers on real PostgreSQL, every cockpit
figure against a hand-counted set of seven cases; the same rows whatever the order and however often
the events come; summaries that add up to the facts; small cells suppressed; the generator."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from data_sharing.app import migrate
from data_sharing.settings import Settings
from data_sharing.warehouse import queries as q
from data_sharing.warehouse.generator import generate
from data_sharing.warehouse.handlers import record, slots
from data_sharing.warehouse.models import (
    ASSOCIATIONS,
    case_daily,
    case_fact,
    item_applicants,
    item_pair,
    step_daily,
    step_fact,
    supplement_daily,
    supplement_fact,
)
from data_sharing.warehouse.next_items import next_items
from data_sharing.warehouse.pseudonym import Pseudonyms
from data_sharing.warehouse.summaries import summarise
from gov_common.db import Database
from gov_common.events import Event

A, B, C = "330122-AMR-XK-0001", "330122-PSB-XK-0001", "330122-HRSS-QR-0001"
QIAN = "33012219920202001X"  # a person of division 330122, born 1992
BEIJING = "110101198001010053"  # a person of division 110101, born 1980
ENTITY = "91330122MA28D0K3XN"  # a legal person registered in 330122
PSEUDONYMS = Pseudonyms(bytes(range(32)))  # the warehouse key of these tests


def z(day: str, hour: int = 2, minute: int = 0) -> dt.datetime:
    """`day` at hour:minute UTC (02:00Z is 10:00 in Asia/Shanghai)."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=dt.UTC)


def person(number: str) -> dict[str, str]:
    return {"type": "person", "id_number": number, "name": "某人"}


def entity(number: str) -> dict[str, str]:
    return {"type": "entity", "uscc": number, "name": "某公司"}


class Case:
    """One case's events, as service-management and a business system publish them."""

    def __init__(self, case_no: str, item: str, department: str, applicant: dict[str, str]) -> None:
        self.case_no, self.item, self.department, self.applicant = case_no, item, department, applicant
        self.events: list[Event] = []

    def _add(self, type: str, when: dt.datetime, **data: Any) -> Case:
        parties = {"item_code": self.item, "item": {"code": self.item, "name": self.item}, "applicant": self.applicant}
        self.events.append(
            Event(
                id=f"{self.case_no}-{len(self.events)}",
                type=type,
                source="/test",
                subject=self.case_no,
                time=when,
                data={"case_no": self.case_no, **parties, **data},
            )
        )
        return self

    def submitted(self, at: dt.datetime, channel: str, due: dt.datetime) -> Case:
        return self._add(
            "gov.case.submitted", at, item_version=1, department_code=self.department, channel=channel,
            submitted_at=at.isoformat(), committed_days=5, due_at=due.isoformat(),
        )  # fmt: skip

    def supplement(self, at: dt.datetime, *codes: str) -> Case:
        return self._add(
            "gov.case.supplement_requested", at, materials=[{"code": c, "name": f"材料{c}"} for c in codes]
        )

    def resumed(self, at: dt.datetime, due: dt.datetime) -> Case:
        return self._add(
            "gov.case.clock_changed", at, department_code=self.department, due_at=due.isoformat(), paused=False,
            stopped=False,
        )  # fmt: skip

    def accepted(self, at: dt.datetime) -> Case:
        return self._add("gov.case.accepted", at, note=None)

    def rejected(self, at: dt.datetime) -> Case:
        return self._add("gov.case.rejected", at, reason="不属于受理范围")

    def dispatched(self, at: dt.datetime, *, instant: bool = False) -> Case:
        # The department's view of the applicant: an entity's credit code as its `id_number` (docs/case-flow.md).
        number = self.applicant.get("uscc") or self.applicant["id_number"]
        applicant = {"type": self.applicant["type"], "id_number": number, "name": self.applicant["name"]}
        return self._add(
            "gov.case.dispatched", at, department_code=self.department, instant_approval=instant, item_version=1,
            applicant=applicant,
        )  # fmt: skip

    def step(self, at: dt.datetime, no: int, name: str, *, sent_back: bool = False) -> Case:
        kind = "gov.case.sent_back" if sent_back else "gov.case.step_completed"
        return self._add(
            kind, at, department_code=self.department, step=name, step_no=no, at=at.isoformat(), action="pass"
        )

    def approved(self, at: dt.datetime, *, automated: bool = False) -> Case:
        return self._add(
            "gov.case.approved", at, department_code=self.department, decided_at=at.isoformat(), automated=automated
        )

    def denied(self, at: dt.datetime) -> Case:
        return self._add(
            "gov.case.denied", at, department_code=self.department, decided_at=at.isoformat(), automated=False
        )

    def concluded(self, at: dt.datetime) -> Case:
        return self._add("gov.case.concluded", at, concluded_at=at.isoformat(), license_no=f"L-{self.case_no}")

    def rated(self, at: dt.datetime, rating: int) -> Case:
        return self._add(
            "gov.case.evaluated", at, department_code=self.department, rating=rating, evaluated_at=at.isoformat()
        )

    def warned(self, at: dt.datetime, level: str) -> Case:
        return self._add("gov.case.time_warning", at, department_code=self.department, level=level)


def scenario() -> list[Case]:
    """Seven cases; the figures the tests expect are counted by hand in the comments."""
    c1 = (  # online, instant: decided, concluded the same day; rated 5; on time
        Case("C1", A, "amr", person(QIAN))
        .submitted(z("2025-03-03"), "online", due=z("2025-03-04", 16))
        .accepted(z("2025-03-03", 2, 1)).dispatched(z("2025-03-03", 2, 2), instant=True)
        .approved(z("2025-03-03", 2, 3), automated=True).concluded(z("2025-03-03", 2, 4)).rated(z("2025-03-04"), 5)
    )  # fmt: skip
    c2 = (  # window; supplement SQS+CSZM (2 working days); handle 1 wd, approve 2 wd; late (due 03-06); rated 4
        Case("C2", A, "amr", person(QIAN))
        .submitted(z("2025-03-03"), "window", due=z("2025-03-04", 16))
        .supplement(z("2025-03-03", 3), "SQS", "CSZM").resumed(z("2025-03-05"), due=z("2025-03-06", 16))
        .accepted(z("2025-03-05", 3)).dispatched(z("2025-03-05", 3, 1))
        .step(z("2025-03-06"), 1, "handle").step(z("2025-03-10"), 2, "approve")
        .approved(z("2025-03-10")).concluded(z("2025-03-10", 2, 5)).rated(z("2025-03-11"), 4)
    )  # fmt: skip
    c3 = (  # online, Beijing applicant, rejected at intake: ended on time, nothing decided
        Case("C3", B, "psb", person(BEIJING))
        .submitted(z("2025-03-04"), "online", due=z("2025-03-11", 16)).rejected(z("2025-03-05"))
    )  # fmt: skip
    c4 = (  # mobile over the Spring Festival: handle left 02-05 = 1 working day; denied, so concluded; late; rated 2
        Case("C4", B, "psb", person(QIAN))
        .submitted(z("2025-01-27"), "mobile", due=z("2025-02-04", 16))
        .accepted(z("2025-01-27", 3)).dispatched(z("2025-01-27", 3, 1))
        .step(z("2025-02-05"), 1, "handle").denied(z("2025-02-05")).rated(z("2025-02-06"), 2)
    )  # fmt: skip
    c5 = (  # online, accepted and dispatched, still in review: one step done after 3 wd
        Case("C5", B, "psb", person(BEIJING))
        .submitted(z("2025-03-04"), "online", due=z("2025-03-11", 16))
        .accepted(z("2025-03-04", 3)).dispatched(z("2025-03-04", 3, 1)).step(z("2025-03-07"), 1, "handle")
    )  # fmt: skip
    c6 = (  # entity at the window; supplement SQB; handle sent back once (2 wd) then handle (1 wd), approve
        # (0 wd); red warning; concluded 03-12, on time (due 03-14)
        Case("C6", C, "hrss", entity(ENTITY))
        .submitted(z("2025-03-06"), "window", due=z("2025-03-13", 16))
        .supplement(z("2025-03-06", 3), "SQB").resumed(z("2025-03-07"), due=z("2025-03-14", 16))
        .accepted(z("2025-03-07", 3)).dispatched(z("2025-03-07", 3, 1))
        .step(z("2025-03-11"), 1, "handle", sent_back=True).step(z("2025-03-12"), 1, "handle")
        .step(z("2025-03-12", 5), 2, "approve").approved(z("2025-03-12", 5)).concluded(z("2025-03-12", 6))
        .warned(z("2025-03-12", 1), "red")
    )  # fmt: skip
    c7 = Case("C7", C, "hrss", person(QIAN)).submitted(z("2025-03-10"), "online", due=z("2025-03-17", 16))
    return [c1, c2, c3, c4, c5, c6, c7]


def in_order() -> list[Event]:
    return [e for case in scenario() for e in case.events]


@pytest.fixture
def wh_db(new_database: Callable[[str], str], tmp_path: Any) -> Iterator[Database]:
    url = new_database(f"ds_wh_{uuid.uuid4().hex[:8]}")
    migrate(Settings(database_url=url))
    db = Database(url)
    yield db
    db.engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_wh_db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    """The warehouse on PostgreSQL, and on SQLite as the standalone platform runs it."""
    if request.param == "postgresql":
        yield request.getfixturevalue("wh_db")
        return
    url = f"sqlite:///{tmp_path / 'ds.db'}"
    migrate(Settings(database_url=url))
    db = Database(url)
    yield db
    db.engine.dispose()


def feed(db: Database, events: list[Event]) -> None:
    for event in events:
        with db.session() as session:
            record(session, event, PSEUDONYMS)


def rows(db: Database, slot: int = 0) -> dict[str, list[dict[str, Any]]]:
    out = {}
    with db.session() as session:
        for table in (
            case_fact, step_fact, supplement_fact, case_daily, step_daily, supplement_daily, *ASSOCIATIONS
        ):  # fmt: skip
            found = session.execute(select(table).where(table.c.slot == slot)).mappings().all()
            out[table.name] = sorted(
                ({k: v for k, v in r.items() if k != "slot"} for r in found if any(r[m] for m in _measures(table))),
                key=repr,
            )
    return out


def _measures(table: Any) -> list[str]:
    """A summary row whose measures all went back to zero is the same as no row."""
    if "applicants" in table.c:
        return ["applicants"]
    if table.name.endswith("_daily"):
        keys = {c.name for c in table.primary_key.columns}
        return [c.name for c in table.columns if c.name not in keys]
    return [c.name for c in table.primary_key.columns]


def test_every_cockpit_figure_matches_the_hand_count(any_wh_db: Database) -> None:
    wh_db = any_wh_db
    feed(wh_db, in_order())
    everything = q.Filters()
    with wh_db.session() as s:
        funnel = {r.stage: r.cases for r in q.funnel(s, everything)}
        assert funnel == {"submitted": 7, "accepted": 5, "decided": 4, "concluded": 4}

        months = {r.period: r for r in q.volumes(s, everything)}
        assert set(months) == {"2025-01", "2025-03"}
        assert (months["2025-01"].cases, months["2025-01"].denied) == (1, 1)
        march = months["2025-03"]
        assert (march.cases, march.accepted, march.decided, march.concluded) == (6, 4, 3, 3)
        assert (march.approved, march.rejected, march.instant) == (3, 1, 1)
        # filings on 03-03, 03-04, 03-06 and 03-10, all working days; 01-27 too
        assert march.working_days == 4 and months["2025-01"].working_days == 1

        days = {r.period: r.cases for r in q.volumes(s, everything, period="day")}
        assert days == {"2025-01-27": 1, "2025-03-03": 2, "2025-03-04": 2, "2025-03-06": 1, "2025-03-10": 1}

        waits = {(r.department_code, r.step): (r.cases, r.average_waiting_days) for r in q.longest_waits(s, everything)}
        assert waits == {
            ("amr", "handle"): (1, 1.0),  # C2: 03-05 → 03-06
            ("amr", "approve"): (1, 2.0),  # C2: 03-06 (Thu) → 03-10 (Mon)
            ("psb", "handle"): (2, 2.0),  # C4: 1 (Spring Festival), C5: 3
            ("hrss", "handle"): (2, 1.5),  # C6: sent back after 2, then 1
            ("hrss", "approve"): (1, 0.0),
        }
        order = [(r.department_code, r.step) for r in q.longest_waits(s, everything)]
        assert order.index(("amr", "approve")) < order.index(("amr", "handle"))

        materials = {(r.item_code, r.material_code): r.cases for r in q.supplement_materials(s, everything)}
        assert materials == {(A, "SQS"): 1, (A, "CSZM"): 1, (C, "SQB"): 1}

        instant = {r.key: (r.cases, r.count, r.share) for r in q.instant_share(s, everything)}
        assert instant[A] == (2, 1, 0.5) and instant[B] == (1, 0, 0.0) and instant[C] == (1, 0, 0.0)

        # ended with a due time: C1 on time, C2 late, C3 rejected on time, C4 late, C6 on time
        on_time = {r.key: (r.cases, r.count) for r in q.on_time_rate(s, everything)}
        assert on_time == {"amr": (2, 1), "psb": (2, 1), "hrss": (1, 1)}

        by_item = {r.key: (r.cases, r.average_rating) for r in q.satisfaction(s, everything)}
        assert by_item == {A: (2, 4.5), B: (1, 2.0), C: (0, None)}
        by_channel = {
            r.key: (r.cases, r.average_rating, r.satisfied_share) for r in q.satisfaction(s, everything, by="channel")
        }
        assert by_channel == {"online": (1, 5.0, 1.0), "window": (1, 4.0, 1.0), "mobile": (1, 2.0, 0.0)}

        counties = {r.code: r for r in q.by_division(s, everything)}
        assert set(counties) == {"330122", "110101"}
        assert (counties["330122"].cases, counties["330122"].concluded) == (5, 4)
        assert (counties["110101"].cases, counties["110101"].timed, counties["110101"].on_time_rate) == (2, 1, 1.0)
        departments = {r.code: r.cases for r in q.by_division(s, q.Filters(division_code="330122"))}
        assert departments == {"amr": 2, "psb": 1, "hrss": 2}
        items = q.by_division(s, q.Filters(division_code="330122", department_code="hrss"))
        assert [(r.level, r.code, r.cases) for r in items] == [("item", C, 2)]
        city = {r.code for r in q.by_division(s, q.Filters(division_code="330100"))}
        assert city == {"330122"}

        overview = q.overview(s, everything)
        assert (overview.cases, overview.decided, overview.rated) == (7, 4, 3)
        # total working days of the ended cases: C1 0, C2 5, C3 1, C4 1 (Spring Festival), C6 4
        assert (overview.total_n, overview.average_total_days) == (5, 2.2)
        assert overview.supplemented_share == round(2 / 7, 4)

        # filters: a channel, an item, a period
        assert [r.cases for r in q.funnel(s, q.Filters(channel="window"))] == [2, 2, 2, 2]
        assert q.funnel(s, q.Filters(item_code=B))[0].cases == 3
        january = q.Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31))
        assert [r.cases for r in q.funnel(s, january)] == [1, 1, 1, 1]

        c2 = s.execute(select(case_fact).where(case_fact.c.case_no == "C2")).mappings().one()
        assert (c2["supplements"], c2["supplement_days"], c2["intake_days"], c2["review_days"]) == (1, 2, 2, 3)
        assert (c2["age_band"], c2["division_code"], c2["on_time"]) == ("30-44", "330122", False)
        c6 = s.execute(select(case_fact).where(case_fact.c.case_no == "C6")).mappings().one()
        assert (c6["applicant_type"], c6["division_code"], c6["age_band"], c6["red"]) == (
            "entity",
            "330122",
            None,
            True,
        )


def test_duplicates_and_any_order_give_the_same_rows(wh_db: Database, new_database: Callable[[str], str]) -> None:
    feed(wh_db, in_order())
    expected = rows(wh_db)
    other = Database(new_database(f"ds_whs_{uuid.uuid4().hex[:8]}"))
    try:
        migrate(Settings(database_url=str(other.engine.url.render_as_string(hide_password=False))))
        shuffled = in_order() * 2
        random.Random(15).shuffle(shuffled)
        feed(other, shuffled)
        assert rows(other) == expected
    finally:
        other.engine.dispose()


def test_the_summaries_add_up_to_the_facts(wh_db: Database) -> None:
    events = in_order()
    random.Random(7).shuffle(events)
    feed(wh_db, events)
    incremental = rows(wh_db)
    with wh_db.session() as session:
        summarise(session, 0)
    assert rows(wh_db) == incremental


def test_what_applicants_filed_next_matches_the_hand_count(any_wh_db: Database) -> None:
    """钱 filed B (01-27), then A (03-03, again 03-03), then C (03-10); the Beijing person B twice; the
    entity C. So B → A, B → C and A → C by one applicant each; B and C by two applicants, A by one."""
    events = in_order()
    random.Random(3).shuffle(events)
    feed(any_wh_db, events + events[:9])  # any order, some twice
    with any_wh_db.session() as s:
        pairs = {(r.item_code, r.next_item_code): r.applicants for r in s.execute(select(item_pair)).all()}
        assert {k: v for k, v in pairs.items() if v} == {(B, A): 1, (B, C): 1, (A, C): 1}
        reach = {r.item_code: r.applicants for r in s.execute(select(item_applicants)).all()}
        assert reach == {A: 1, B: 2, C: 2}
        keys = dict(s.execute(select(case_fact.c.case_no, case_fact.c.applicant_key)).all())
        assert keys["C1"] == keys["C2"] == keys["C4"] == keys["C7"] == PSEUDONYMS.of(QIAN)
        assert keys["C3"] == keys["C5"] != keys["C1"] and keys["C6"] == PSEUDONYMS.of(ENTITY)
        assert not any(QIAN in str(v) or QIAN[:17] in str(v) for v in keys.values())
        # From fewer than 5 applicants: never returned; shown here below the threshold only.
        assert next_items(s, [B]) == []
        found = next_items(s, [B], min_applicants=1)
        assert [(r.next_item_code, r.applicants, r.item_applicants, r.share) for r in found] == [
            (A, 1, 2, 0.5),
            (C, 1, 2, 0.5),
        ]
        assert [r.next_item_code for r in next_items(s, [B, A], min_applicants=1)] == [C, C]  # A is given
        assert [r.next_item_code for r in next_items(s, [B], min_applicants=1, per_item=1)] == [A]


def test_two_cases_of_one_applicant_handled_at_once_make_their_pair(wh_db: Database) -> None:
    """Two consumers handle two cases of one applicant at the same time: the second waits for the first's
    lock on the applicant, then sees its filing; without it each would miss the other and no pair be made."""
    known = Case("P0", C, "hrss", person(QIAN)).submitted(z("2025-03-01"), "online", due=z("2025-03-08", 16))
    feed(wh_db, known.events)  # the applicant's row is there already: only the lock makes the second wait
    first = Case("P1", A, "amr", person(QIAN)).submitted(z("2025-03-03"), "online", due=z("2025-03-04", 16))
    then = Case("P2", B, "psb", person(QIAN)).submitted(z("2025-03-05"), "online", due=z("2025-03-12", 16))
    done = threading.Event()
    with wh_db.session() as holding:
        record(holding, first.events[0], PSEUDONYMS)
        holding.flush()

        def second() -> None:
            with wh_db.session() as s:
                record(s, then.events[0], PSEUDONYMS)
            done.set()

        worker = threading.Thread(target=second)
        worker.start()
        deadline = time.monotonic() + 10
        while not _lock_waiters(wh_db):  # the second is waiting on the first's lock
            assert time.monotonic() < deadline and not done.is_set(), "the second case did not wait"
            time.sleep(0.02)
    worker.join(timeout=10)
    assert done.is_set()
    with wh_db.session() as s:
        pairs = {(r.item_code, r.next_item_code): r.applicants for r in s.execute(select(item_pair)).all()}
        assert pairs == {(C, A): 1, (C, B): 1, (A, B): 1}


def _lock_waiters(db: Database) -> int:
    with db.engine.connect() as connection:
        return int(
            connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).scalar_one()
        )


def test_small_cells_are_suppressed() -> None:
    share = q.ShareRow(key="x", name="某事项", cases=4, count=3, share=0.75)
    enough = q.ShareRow(key="y", name="另一事项", cases=5, count=1, share=0.2)
    assert q.suppress([share, enough]) == [
        q.ShareRow(key="x", name="某事项", cases=None, count=None, share=None, suppressed=True),
        enough,
    ]
    division = q.DivisionRow(
        level="county", code="330122", name="示范县", cases=40, concluded=38, decided=39, instant_share=0.5,
        timed=30, on_time_rate=0.9, rated=3, average_rating=4.7, total_n=30, average_total_days=2.0,
    )  # fmt: skip
    (shown,) = q.suppress([division])
    # 40 cases: shown; but the mean rating of 3 evaluations is not, nor how many there were
    assert shown.suppressed and shown.average_rating is None and shown.rated is None
    assert (shown.cases, shown.on_time_rate, shown.instant_share) == (40, 0.9, 0.5)
    assert q.suppress([division], min_cases=3) == [division]


def test_suppression_over_the_hand_counted_set(wh_db: Database) -> None:
    feed(wh_db, in_order())
    with wh_db.session() as s:
        counties = q.suppress(q.by_division(s, q.Filters()))
    shown = {r.code: r for r in counties}
    # 5 cases: shown, with how many concluded; but 4 decided and 3 evaluated are too few for their rates
    assert (shown["330122"].cases, shown["330122"].concluded) == (5, 4)
    assert shown["330122"].average_rating is None and shown["330122"].instant_share is None
    assert shown["110101"].suppressed and shown["110101"].cases is None and shown["110101"].code == "110101"
    assert all(dataclasses.asdict(r).keys() == dataclasses.asdict(counties[0]).keys() for r in counties)


def test_filters_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="division_code"):
        q.Filters(division_code="33")
    with pytest.raises(ValueError, match="date_from"):
        q.Filters(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 1, 1))


def test_a_generated_year_adds_up(any_wh_db: Database) -> None:
    wh_db = any_wh_db
    made = generate(wh_db, cases=2000, year=2025, seed=3)
    assert made.cases == 2000 and made.steps > 0 and made.supplements > 0
    with wh_db.session() as s:
        funnel = [r.cases for r in q.funnel(s, q.Filters())]
        assert funnel[0] == 2000 and funnel == sorted(funnel, reverse=True) and funnel[-1] > 1500
        months = q.volumes(s, q.Filters())
        assert len(months) == 12 and sum(r.cases for r in months) == 2000
        # seasonality: the Spring Festival month is quieter than March
        by = {r.period: r.cases for r in months}
        assert by["2025-02"] < by["2025-03"]
        days = {r.period: r.cases for r in q.volumes(s, q.Filters(channel="window"), period="day")}
        assert "2025-10-01" not in days and "2025-01-04" not in days  # no window on holidays and weekends
        channels = {r.key for r in q.satisfaction(s, q.Filters(), by="channel")}
        assert channels >= {"online", "window", "mobile"}
        assert len(q.by_division(s, q.Filters())) > 5
        assert slots(s) == (0, None)
        # Who set up an individual business often applies for a food licence next (FOLLOW_UPS).
        (food,) = [r for r in next_items(s, [A]) if r.next_item_code == "330122-AMR-XK-0002"]
        assert food.applicants >= 5 and 0.15 < food.share < 0.6 and food.next_item_name == "食品经营许可"
    generated = rows(wh_db)
    with wh_db.session() as session:
        summarise(session, 0)
    assert rows(wh_db) == generated
