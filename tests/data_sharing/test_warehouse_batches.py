"""The warehouse a poll batch at a time (docs/warehouse.md, "Upkeep cost"): the events of a batch folded
per case, one write per table; the same rows as one event at a time, whatever the grouping, order or
copies; and what a batch costs in SQL, pinned so that it cannot creep back."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import select

from data_sharing.app import migrate
from data_sharing.settings import Settings
from data_sharing.warehouse import facts
from data_sharing.warehouse.handlers import make_handlers, record_batch
from data_sharing.warehouse.models import division_dim, item_dim
from data_sharing.warehouse.summaries import summarise
from gov_common.db import Database
from gov_common.events import Event, EventTypes
from gov_common.messaging import BatchHandler
from tests.data_sharing import test_warehouse
from tests.data_sharing.test_warehouse import (
    PSEUDONYMS,
    A,
    Case,
    feed,
    in_order,
    person,
    rows,
    z,
)

wh_db = test_warehouse.wh_db  # the fixtures: PostgreSQL, and both databases
any_wh_db = test_warehouse.any_wh_db


def feed_batches(db: Database, events: list[Event], seed: int) -> None:
    """The events in batches of random sizes (1 to 20), as poll batches come."""
    chance = random.Random(seed)
    at = 0
    while at < len(events):
        size = chance.randint(1, 20)
        with db.session() as session:
            record_batch(session, events[at : at + size], PSEUDONYMS)
        at += size


def test_batches_give_the_rows_of_one_event_at_a_time(any_wh_db: Database, new_database: Callable[[str], str]) -> None:
    """Shuffled, some events twice, in batches of any size: the rows of the events one by one, in order;
    and the summaries still add up to the facts."""
    feed(any_wh_db, in_order())
    expected = rows(any_wh_db)
    for seed in (1, 2):
        other_url = (
            new_database(f"ds_whb_{uuid.uuid4().hex[:8]}")
            if any_wh_db.engine.dialect.name == "postgresql"
            else f"sqlite:///{any_wh_db.engine.url.database}.{seed}"
        )
        migrate(Settings(database_url=other_url))
        other = Database(other_url)
        try:
            events = in_order() * 2
            random.Random(seed).shuffle(events)
            feed_batches(other, events, seed)
            assert rows(other) == expected
            with other.session() as session:
                summarise(session, 0)
            assert rows(other) == expected
        finally:
            other.engine.dispose()


def test_one_handler_takes_every_warehouse_event_in_batches() -> None:
    handlers = make_handlers(PSEUDONYMS)
    (handler,) = set(handlers.values())  # one object: the consumer batches only events that share it
    assert isinstance(handler, BatchHandler)
    assert {EventTypes.CASE_SUBMITTED, EventTypes.CASE_APPROVED, EventTypes.LICENSE_ISSUED} <= set(handlers)


def instant_case(n: int, day: str) -> list[Event]:
    """An instant approval's events as the platform publishes them: submitted, accepted, dispatched, the
    clock resumed and stopped, approved, concluded, the licence issued (8 events)."""
    number = f"330122199202{day[-2:]}{n:03d}X"  # a new applicant per case and day
    case = Case(f"B{day[-2:]}{n:03d}", A, "amr", person(number))
    t = z(day, 2, n % 50)
    case.submitted(t, "online", due=z(day, 16)).accepted(t).dispatched(t, instant=True).resumed(t, due=z(day, 16))
    case._add("gov.case.clock_changed", t, department_code="amr", stopped=True)
    case.approved(t, automated=True).concluded(t)
    issued = Event(
        id=f"{case.case_no}-licence",
        type=EventTypes.LICENSE_ISSUED,
        source="/data-sharing",
        subject=f"L-{case.case_no}",
        time=t,
        data={"license_no": f"L-{case.case_no}", "license_type": "business_license", "case_no": case.case_no,
              "holder_id_number": number, "holder_type": "person", "issued_at": t.isoformat()},
    )  # fmt: skip
    return [*case.events, issued]


def statements(db: Database, events: list[Event], *, batch: bool) -> list[str]:
    seen: list[str] = []
    me = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == me:
            seen.append(statement.split()[0].upper())

    sqlalchemy.event.listen(db.engine, "before_cursor_execute", count)
    try:
        if batch:
            with db.session() as session:
                record_batch(session, events, PSEUDONYMS)
        else:
            feed(db, events)
    finally:
        sqlalchemy.event.remove(db.engine, "before_cursor_execute", count)
    return [s for s in seen if s not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")]


def test_what_a_batch_costs_in_sql(wh_db: Database) -> None:
    """A batch of the 8 events each of M instant cases (new applicants) takes a fixed number of
    statements whatever M, and one per licence event; one event at a time takes 45 per case."""
    statements(wh_db, [e for n in range(3) for e in instant_case(n, "2025-03-03")], batch=True)  # dimensions
    for m, day in ((1, "2025-03-04"), (4, "2025-03-05"), (8, "2025-03-06")):
        events = [e for n in range(m) for e in instant_case(n, day)]
        random.Random(m).shuffle(events)
        done = statements(wh_db, events, batch=True)
        # The slot; cases, steps, supplements, resumptions read; cases inserted; resumptions; the year;
        # the case summary: 9. "What applicants file next": the applicants inserted, locked, their first
        # filings read, the new ones written, the items' counts: 5 (no applicant filed a second item:
        # no pair). Then one per licence.
        assert len(done) == 9 + 5 + m, (m, done)
    one_by_one = statements(wh_db, [e for n in range(4) for e in instant_case(n, "2025-03-07")], batch=False)
    assert len(one_by_one) == 4 * 45  # the per-event path (a batch of one each) for comparison


def test_a_failed_batch_leaves_no_dimension_unwritten(wh_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch that fails is rolled back with the dimension rows it wrote; its events then go one by one
    (the consumer's fallback) and write them again (the savepoint's rollback forgets what was noted)."""
    (submitted, *_rest, issued) = instant_case(1, "2025-03-10")
    real = facts.apply_license_event

    def broken(session: Any, event: Event, slot: int) -> None:
        raise ValueError("a poison licence event")

    monkeypatch.setattr(facts, "apply_license_event", broken)
    with wh_db.session() as session:
        with pytest.raises(ValueError), session.begin_nested():
            record_batch(session, [submitted, issued], PSEUDONYMS)
        with session.begin_nested():
            record_batch(session, [submitted], PSEUDONYMS)
    monkeypatch.setattr(facts, "apply_license_event", real)
    with wh_db.session() as session:
        assert session.scalar(select(division_dim.c.code).where(division_dim.c.code == "330122")) == "330122"
        assert session.scalar(select(item_dim.c.code).where(item_dim.c.code == A)) == A
