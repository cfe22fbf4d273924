"""The warehouse rebuilt from zero on the standalone bus: the topics read again into the other slot give
the same rows and figures as the incremental upkeep, what the live consumer handles meanwhile reaches
the new slot, and the switch leaves the old slot empty. (On Kafka: tests/integration/test_warehouse.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from data_sharing.warehouse import queries as q
from data_sharing.warehouse.handlers import record, slots
from data_sharing.warehouse.models import case_fact, license_fact
from data_sharing.warehouse.rebuild import RebuildRunning, rebuild
from gov_common.bus.local import LocalBus
from gov_common.db import Database
from gov_common.events import Event, EventTypes, Topics
from tests.data_sharing.test_warehouse import PSEUDONYMS, QIAN, A, Case, feed, in_order, person, rows, z


def figures(db: Database) -> dict[str, Any]:
    """Every cockpit query's answer, for comparing two states of the warehouse."""
    f = q.Filters()
    with db.session() as s:
        answers: dict[str, Any] = {
            "volumes": q.volumes(s, f, period="day"),
            "funnel": q.funnel(s, f),
            "waits": q.longest_waits(s, f),
            "materials": q.supplement_materials(s, f),
            "instant": q.instant_share(s, f),
            "on_time": q.on_time_rate(s, f),
            "satisfaction": q.satisfaction(s, f, by="channel"),
            "divisions": q.by_division(s, f),
            "drill": q.by_division(s, q.Filters(division_code="330122")),
            "overview": q.overview(s, f),
        }
    return {
        k: [dataclasses.asdict(r) for r in v] if isinstance(v, list) else dataclasses.asdict(v)
        for k, v in answers.items()
    }


def licence_issued(case_no: str) -> Event:
    return Event(
        id=f"licence-{case_no}",
        type=EventTypes.LICENSE_ISSUED,
        source="/data-sharing",
        subject=f"L-{case_no}",
        time=z("2025-03-10", 3),
        data={
            "license_no": f"L-{case_no}",
            "license_type": "business_license",
            "case_no": case_no,
            "holder_id_number": QIAN,
            "holder_type": "person",
            "issued_at": z("2025-03-10", 3).isoformat(),
            "valid_until": None,
        },
    )


def publish(bus: LocalBus, events: list[Event]) -> None:
    for event in events:
        topic = Topics.LICENSE if event.type.startswith("gov.license.") else Topics.CASE
        bus.publish(topic, event.subject, event.encode(), {"ce_type": event.type})


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    from data_sharing.app import migrate
    from data_sharing.settings import Settings

    url = f"sqlite:///{tmp_path / 'ds.db'}"
    migrate(Settings(database_url=url))
    db = Database(url)
    yield db
    db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_db")
    return request.getfixturevalue("wh_db")


@pytest.fixture
def wh_db(new_database: Callable[[str], str]) -> Iterator[Database]:
    import uuid

    from data_sharing.app import migrate
    from data_sharing.settings import Settings

    url = new_database(f"ds_whr_{uuid.uuid4().hex[:8]}")
    migrate(Settings(database_url=url))
    database = Database(url)
    yield database
    database.engine.dispose()


def test_a_rebuild_gives_what_the_incremental_upkeep_gave(db: Database, tmp_path: Path) -> None:
    bus = LocalBus(str(tmp_path / "bus.db"))
    events = [*in_order(), licence_issued("C2")]
    publish(bus, events)
    publish(bus, events[:5])  # redelivered copies on the topic: harmless
    feed(db, events)  # what the live consumer did as they came
    before, counted = rows(db, slot=0), figures(db)
    late = Case("C8", A, "amr", person(QIAN)).submitted(z("2025-03-12"), "online", due=z("2025-03-13", 16))

    def meanwhile(count: int) -> None:
        if count and late.events[0] not in fed:
            publish(bus, late.events)
            feed(db, late.events)  # the live consumer handles it during the rebuild: into both slots
            fed.append(late.events[0])

    fed: list[Event] = []
    done = rebuild(db, bus, pseudonyms=PSEUDONYMS, progress=meanwhile)
    assert done.slot == 1 and done.events >= len(events)
    with db.session() as s:
        assert slots(s) == (1, None)
        assert s.scalar(select(func.count()).select_from(case_fact).where(case_fact.c.slot == 0)) == 0
        licence = s.execute(select(license_fact).where(license_fact.c.slot == 1)).mappings().one()
        assert (licence["case_no"], licence["status"], licence["division_code"]) == ("C2", "valid", "330122")
    rebuilt = rows(db, slot=1)
    c8 = [r for r in rebuilt["wh_case"] if r["case_no"] == "C8"]
    assert len(c8) == 1 and c8[0]["channel"] == "online"
    # Without the late case the new slot is the old one, row for row, and so are the figures.
    feed_again = figures(db)
    assert feed_again["funnel"][0]["cases"] == counted["funnel"][0]["cases"] + 1
    assert {
        k: [r for r in v if "C8" not in repr(r)] for k, v in rebuilt.items() if k in ("wh_step", "wh_supplement")
    } == {k: v for k, v in before.items() if k in ("wh_step", "wh_supplement")}
    assert [r for r in rebuilt["wh_case"] if r["case_no"] != "C8"] == before["wh_case"]
    # 钱 had filed A before C8: what applicants filed next is the same, row for row.
    names = ("wh_applicant", "wh_applicant_item", "wh_item_applicants", "wh_item_pair")
    assert {k: rebuilt[k] for k in names} == {k: before[k] for k in names} and before["wh_item_pair"]


def test_rebuilding_twice_gives_the_same_figures(sqlite_db: Database, tmp_path: Path) -> None:
    bus = LocalBus(str(tmp_path / "bus.db"))
    events = in_order()
    publish(bus, events)
    feed(sqlite_db, events)
    counted = figures(sqlite_db)
    assert rebuild(sqlite_db, bus, pseudonyms=PSEUDONYMS).slot == 1
    assert figures(sqlite_db) == counted
    assert rebuild(sqlite_db, bus, pseudonyms=PSEUDONYMS).slot == 0
    assert figures(sqlite_db) == counted and rows(sqlite_db, slot=0) != {}


def test_a_second_rebuild_is_refused_while_one_runs(sqlite_db: Database, tmp_path: Path) -> None:
    bus = LocalBus(str(tmp_path / "bus.db"))
    publish(bus, in_order())

    def start_another(count: int) -> None:
        with pytest.raises(RebuildRunning):
            rebuild(sqlite_db, bus, pseudonyms=PSEUDONYMS)

    assert rebuild(sqlite_db, bus, pseudonyms=PSEUDONYMS, progress=start_another).slot == 1


def test_live_events_after_the_switch_go_to_the_new_slot(sqlite_db: Database, tmp_path: Path) -> None:
    bus = LocalBus(str(tmp_path / "bus.db"))
    publish(bus, in_order())
    rebuild(sqlite_db, bus, pseudonyms=PSEUDONYMS)
    extra = Case("C9", A, "amr", person(QIAN)).submitted(z("2025-04-01"), "window", due=z("2025-04-02", 16))
    feed(sqlite_db, extra.events)
    with sqlite_db.session() as s:
        record(s, extra.events[0], PSEUDONYMS)  # a duplicate: nothing changes
    april = q.Filters(date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 4, 30))
    with sqlite_db.session() as s:
        assert [r.cases for r in q.funnel(s, april)] == [1, 0, 0, 0]
