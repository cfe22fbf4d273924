"""Outbox and inbox semantics on SQLite and the local bus (the standalone backends)."""

from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from gov_common.bus.local import LocalBus
from gov_common.db import Database
from gov_common.events import Event, Topics
from gov_common.messaging import EventConsumer, OutboxRelay, emit, inbox, messaging_metadata, outbox

effects_metadata = MetaData()
effects = Table("effects", effects_metadata, Column("event_id", String(64), primary_key=True))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'svc.db'}")
    messaging_metadata.create_all(database.engine)
    effects_metadata.create_all(database.engine)
    return database


@pytest.fixture
def bus(tmp_path: Path) -> LocalBus:
    return LocalBus(str(tmp_path / "bus.db"))


def _event(n: int = 0) -> Event:
    return Event.new(type="test.happened", source="/test", subject=f"S{n}", data={"n": n})


def _count(db: Database, table: Table) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_relay_publishes_committed_events_and_not_rolled_back_ones(db: Database, bus: LocalBus) -> None:
    relay = OutboxRelay(db=db, bus=bus, service="test")
    with db.session() as s:
        emit(s, Topics.CASE, _event(1))
    with pytest.raises(RuntimeError):
        with db.session() as s:
            emit(s, Topics.CASE, _event(2))
            raise RuntimeError("the state change failed")
    assert relay.publish_pending() == 1
    assert relay.publish_pending() == 0  # marked as sent
    messages = bus.consumer("g", [Topics.CASE]).poll(0.1)
    assert [Event.decode(m.value).data["n"] for m in messages] == [1]
    assert messages[0].key == "S1"


def test_the_relay_is_woken_by_the_commit(db: Database, bus: LocalBus) -> None:
    relay = OutboxRelay(db=db, bus=bus, service="test", poll_seconds=30)
    relay.start()
    try:
        consumer = bus.consumer("g", [Topics.CASE])
        consumer.poll(0.01)
        with db.session() as s:
            emit(s, Topics.CASE, _event(3))
        # The poll interval is 30 s: arriving within the 5 s poll proves the commit woke the relay.
        messages = consumer.poll(5.0)
        assert [Event.decode(m.value).data["n"] for m in messages] == [3]
    finally:
        relay.stop()


def _record(session: Session, event: Event) -> None:
    session.execute(insert(effects).values(event_id=event.id))


def test_the_same_event_delivered_twice_has_one_effect(db: Database, bus: LocalBus) -> None:
    event = _event()
    bus.publish(Topics.CASE, event.subject, event.encode())
    bus.publish(Topics.CASE, event.subject, event.encode())
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": _record}, service="test"
    )
    for message in bus.consumer("g", [Topics.CASE]).poll(0.1):
        consumer.handle_message(message)
    assert _count(db, effects) == 1
    assert _count(db, inbox) == 1


def test_a_failing_handler_is_retried_then_dead_lettered_and_leaves_no_effect(db: Database, bus: LocalBus) -> None:
    calls = []

    def flaky(session: Session, event: Event) -> None:
        calls.append(event.id)
        _record(session, event)
        raise ValueError("downstream refused")

    event = _event()
    bus.publish(Topics.CASE, event.subject, event.encode())
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": flaky},
        service="test",
        max_attempts=3,
        backoff_seconds=0,
    )
    for message in bus.consumer("g", [Topics.CASE]).poll(0.1):
        consumer.handle_message(message)
    assert len(calls) == 3
    assert _count(db, effects) == 0 and _count(db, inbox) == 0
    dead = bus.consumer("dlt-reader", [Topics.dead_letter(Topics.CASE)]).poll(0.1)
    assert len(dead) == 1 and Event.decode(dead[0].value).id == event.id
    assert "downstream refused" in dead[0].headers["x-dead-letter-reason"]


def test_an_undecodable_message_goes_to_the_dead_letter_topic(db: Database, bus: LocalBus) -> None:
    bus.publish(Topics.CASE, "k", b"garbage")
    consumer = EventConsumer(db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={}, service="test")
    for message in bus.consumer("g", [Topics.CASE]).poll(0.1):
        consumer.handle_message(message)
    assert [m.value for m in bus.consumer("r", [Topics.dead_letter(Topics.CASE)]).poll(0.1)] == [b"garbage"]


def test_a_running_consumer_commits_only_handled_messages(db: Database, bus: LocalBus) -> None:
    for n in range(5):
        event = _event(n)
        bus.publish(Topics.CASE, event.subject, event.encode())
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": _record},
        service="test",
        poll_seconds=0.05,
    )
    consumer.start()
    try:
        import time

        deadline = time.monotonic() + 10
        while _count(db, effects) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        consumer.stop()
    assert _count(db, effects) == 5
    assert bus.consumer("g", [Topics.CASE]).poll(0.05) == []  # all committed
    assert _count(db, outbox) == 0


def test_a_stopping_consumer_hands_a_failing_message_back_instead_of_dead_lettering_it(
    db: Database, bus: LocalBus
) -> None:
    from gov_common.messaging import HandedBack

    def failing(session: Session, event: Event) -> None:
        raise ValueError("downstream briefly unavailable")

    event = _event()
    bus.publish(Topics.CASE, event.subject, event.encode())
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": failing},
        service="test",
        max_attempts=5,
        backoff_seconds=10,
    )
    consumer._stop.set()  # SIGTERM arrived
    message = bus.consumer("g", [Topics.CASE]).poll(0.1)[0]
    with pytest.raises(HandedBack):
        consumer.handle_message(message)
    assert bus.consumer("dlt-reader", [Topics.dead_letter(Topics.CASE)]).poll(0.05) == []
    assert [m.offset for m in bus.consumer("g", [Topics.CASE]).poll(0.05)] == [message.offset]  # not committed
