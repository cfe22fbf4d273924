"""The messaging core's batches on real PostgreSQL and Kafka: per-case order with many keys, several
partitions and two relays of one service; a poison event isolated; a redelivered batch deduplicated."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from gov_common.bus.base import Message
from gov_common.bus.kafka import KafkaBus
from gov_common.db import Database
from gov_common.events import Event, Topics
from gov_common.messaging import (
    GUARDED_SAVEPOINTS,
    RELAY_LOCK_KEY,
    EventConsumer,
    OutboxRelay,
    emit,
    inbox,
    messaging_metadata,
    outbox,
)
from tests.waiting import wait_until

effects_metadata = MetaData()
effects = Table(
    "effects",
    effects_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("subject", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
)
TOPIC = "t.case.v1"
TYPE = "test.step"


def _record(session: Session, event: Event) -> None:
    session.execute(insert(effects).values(event_id=event.id, subject=event.subject, seq=int(event.data["seq"])))


def _event(subject: str, seq: int) -> Event:
    return Event.new(type=TYPE, source="/test", subject=subject, data={"seq": seq})


@dataclass
class Service:
    url: str
    db: Database
    namespace: str
    bootstrap: str

    def bus(self, partitions: int = 4) -> KafkaBus:
        return KafkaBus(self.bootstrap, client_id="test", partitions=partitions, namespace=self.namespace)

    def count(self, table: Table = effects) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(table)) or 0)

    def order_by_subject(self) -> dict[str, list[int]]:
        with self.db.session() as s:
            rows = s.execute(select(effects.c.subject, effects.c.seq).order_by(effects.c.id)).all()
        seen: dict[str, list[int]] = {}
        for subject, seq in rows:
            seen.setdefault(subject, []).append(seq)
        return seen


@pytest.fixture
def service(new_database: Callable[[str], str], kafka_bootstrap: str) -> Iterator[Service]:
    url = new_database(f"batches_{uuid.uuid4().hex[:6]}")
    db = Database(url)
    messaging_metadata.create_all(db.engine)
    effects_metadata.create_all(db.engine)
    namespace = f"it{uuid.uuid4().hex[:8]}."
    bus = KafkaBus(kafka_bootstrap, client_id="test", partitions=4, namespace=namespace)
    bus.ensure_topics([TOPIC, Topics.dead_letter(TOPIC)])
    bus.close()
    yield Service(url=url, db=db, namespace=namespace, bootstrap=kafka_bootstrap)
    db.dispose()


def _wait_for_count(count: Callable[[], int], target: int, stall: float = 60.0) -> None:
    """Until `count()` reaches `target`, failing only when it stops growing for `stall` seconds: the test is
    about order and completeness, not speed, and a busy machine (CI beside the UI scenarios) is slow."""
    last, deadline = -1, 0.0
    while (now := count()) < target:
        if now > last:
            last, deadline = now, time.monotonic() + stall
        assert time.monotonic() < deadline, f"stalled at {now} of {target}"
        time.sleep(0.1)


def _mean_batch(metric: str, **labels: str) -> float:
    count = REGISTRY.get_sample_value(f"{metric}_count", labels) or 0.0
    total = REGISTRY.get_sample_value(f"{metric}_sum", labels) or 0.0
    return total / count if count else 0.0


def _emit_concurrently(dbs: list[Database], cases: int, steps: int, writers: int = 4) -> None:
    """Each writer owns some cases and emits their steps in order, one transaction per step, on the
    databases in turn (as requests of one case land on either replica)."""

    def write(first: int) -> None:
        for seq in range(steps):
            for n in range(first, cases, writers):
                with dbs[(n + seq) % len(dbs)].session() as s:
                    emit(s, TOPIC, _event(f"C{n:04d}", seq))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_each_case_stays_in_order_through_batches_with_many_keys_and_partitions(service: Service) -> None:
    cases, steps = 150, 5
    bus = service.bus()
    relay = OutboxRelay(db=service.db, bus=bus, service="order-test", poll_seconds=0.5)
    consumer = EventConsumer(
        db=service.db,
        bus=bus,
        group="order-test",
        topics=[TOPIC],
        handlers={TYPE: _record},
        service="order-test",
        poll_seconds=0.2,
        max_batch=50,
    )
    consumer.start()
    relay.start()
    try:
        assert consumer.ready.wait(30)
        _emit_concurrently([service.db], cases, steps)
        _wait_for_count(service.count, cases * steps)
    finally:
        relay.stop()
        consumer.stop()
        bus.close()
    order = service.order_by_subject()
    assert len(order) == cases
    assert all(seqs == list(range(steps)) for seqs in order.values()), {
        k: v for k, v in order.items() if v != list(range(steps))
    }
    # Batches really formed on both sides (a histogram's sum over its count).
    assert _mean_batch("gov_relay_batch_size", service="order-test") > 1
    assert _mean_batch("gov_consumer_batch_size", service="order-test", group="order-test") > 1


def test_two_relays_of_one_service_publish_each_case_in_order_and_once(service: Service) -> None:
    cases, steps = 120, 6
    replicas = [Database(service.url), Database(service.url)]  # two processes of one service
    buses = [service.bus(), service.bus()]
    relays = [
        OutboxRelay(db=db, bus=bus, service=f"replica-{n}", poll_seconds=0.5)
        for n, (db, bus) in enumerate(zip(replicas, buses, strict=True))
    ]
    for relay in relays:
        relay.start()
    try:
        _emit_concurrently(replicas, cases, steps)
        reader_bus = service.bus()
        reader = reader_bus.broadcast_reader(TOPIC)
        seen: list[Event] = []
        deadline = time.monotonic() + 60
        while len({e.id for e in seen}) < cases * steps and time.monotonic() < deadline:
            if arrived := [Event.decode(m.value) for m in reader.poll(0.5)]:
                seen += arrived
                deadline = time.monotonic() + 60  # fails on a stall, not on a slow machine
        time.sleep(1.0)  # anything sent twice would arrive by now
        seen += [Event.decode(m.value) for m in reader.poll(0.5)]
        reader.close()
        reader_bus.close()
    finally:
        for relay in relays:
            relay.stop()
        for bus in buses:
            bus.close()
        for db in replicas:
            db.dispose()
    assert len({e.id for e in seen}) == cases * steps
    assert len(seen) == cases * steps, "an event was published twice: both relays sent the same batch"
    by_case: dict[str, list[int]] = {}
    for event in seen:  # a broadcast reader returns each partition in order
        by_case.setdefault(event.subject, []).append(int(event.data["seq"]))
    assert all(seqs == list(range(steps)) for seqs in by_case.values()), {
        k: v for k, v in by_case.items() if v != list(range(steps))
    }


def _run_until_dead_lettered(consumer: EventConsumer, service: Service, bus: KafkaBus, handled: int) -> list[Event]:
    """Runs `consumer` until `handled` events have their effect and a dead letter is on the topic's DLT; the
    dead letters read."""
    consumer.start()
    try:
        wait_until(lambda: service.count() == handled)
        reader = bus.broadcast_reader(Topics.dead_letter(TOPIC))
        dead: list[Event] = []
        wait_until(lambda: bool(dead.extend(Event.decode(m.value) for m in reader.poll(0.5))) or len(dead) >= 1)
        reader.close()
    finally:
        consumer.stop()
    return dead


def test_a_poison_event_is_dead_lettered_and_the_rest_committed(service: Service) -> None:
    bus = service.bus()
    events = [_event(f"C{n % 8:04d}", n // 8) for n in range(40)]
    poison = events[17]
    tried_after: list[str] = []

    def handle(session: Session, event: Event) -> None:
        if event.id == poison.id:
            raise ValueError("a poison event")
        if event.subject == poison.subject and int(event.data["seq"]) > int(poison.data["seq"]):
            tried_after.append(event.id)
        _record(session, event)

    for event in events:
        bus.publish(TOPIC, event.subject, event.encode(), {"ce_type": event.type})
    consumer = EventConsumer(
        db=service.db,
        bus=bus,
        group="poison-test",
        topics=[TOPIC],
        handlers={TYPE: handle},
        service="poison-test",
        poll_seconds=0.2,
        max_attempts=3,
        backoff_seconds=0.05,
    )
    dead = _run_until_dead_lettered(consumer, service, bus, len(events) - 1)
    assert [e.id for e in dead] == [poison.id]
    assert len(tried_after) == len([e for e in events if e.subject == poison.subject]) - 1 - int(poison.data["seq"])
    assert service.count(inbox) == len(events) - 1
    # Everything was committed: the group's next member receives nothing.
    member = bus.consumer("poison-test", [TOPIC])
    try:
        got = []
        for _ in range(6):
            got += member.poll(0.5)
        assert got == []
    finally:
        member.close()
        bus.close()


def test_a_large_gathered_batch_with_a_poison_is_retried_within_postgresqls_subtransaction_cache(
    service: Service,
) -> None:
    # A gathering group's batch of hundreds of events with one poison: the retry with a savepoint per event
    # runs in transactions of at most GUARDED_SAVEPOINTS savepoints (PostgreSQL caches 64 per transaction).
    bus = service.bus()
    events = [_event(f"C{n % 16:04d}", n // 16) for n in range(320)]
    poison = events[-1]
    for event in events:
        bus.publish(TOPIC, event.subject, event.encode(), {"ce_type": event.type})
    savepoints: list[int] = []  # per transaction of the consumer's connections
    sa_event.listen(service.db.engine, "begin", lambda _conn: savepoints.append(0))

    def savepoint(_conn: object, _name: str) -> None:
        savepoints[-1] += 1

    sa_event.listen(service.db.engine, "savepoint", savepoint)

    def handle(session: Session, event: Event) -> None:
        if event.id == poison.id:
            raise ValueError("a poison event")
        _record(session, event)

    consumer = EventConsumer(
        db=service.db,
        bus=bus,
        group="gathered-poison",
        topics=[TOPIC],
        handlers={TYPE: handle},
        service="gathered-poison",
        max_attempts=2,
        backoff_seconds=0.05,
        gather_ms=500,
        max_batch=500,
    )
    try:
        dead = _run_until_dead_lettered(consumer, service, bus, len(events) - 1)
    finally:
        bus.close()
    assert [e.id for e in dead] == [poison.id]
    assert service.count(inbox) == len(events) - 1
    assert sum(savepoints) >= 200, savepoints  # the batch was large and went through the guarded pass
    assert max(savepoints) <= GUARDED_SAVEPOINTS, savepoints


def test_a_batch_redelivered_after_a_crash_before_its_offsets_were_committed_has_one_effect(service: Service) -> None:
    bus = service.bus()
    events = [_event(f"C{n:04d}", 0) for n in range(30)]
    for event in events:
        bus.publish(TOPIC, event.subject, event.encode(), {"ce_type": event.type})
    consumer = EventConsumer(
        db=service.db,
        bus=bus,
        group="crash-test",
        topics=[TOPIC],
        handlers={TYPE: _record},
        service="crash-test",
        poll_seconds=0.2,
    )
    member = bus.consumer("crash-test", [TOPIC])
    polled = []
    deadline = time.monotonic() + 60
    while len(polled) < len(events) and time.monotonic() < deadline:
        polled += member.poll(0.5)
    consumer.handle_batch(polled)  # the transaction commits; the process dies before the offset commit
    member.close()
    assert service.count() == len(events)

    def duplicates() -> float:
        labels = {"service": "crash-test", "group": "crash-test", "type": TYPE, "outcome": "duplicate"}
        return REGISTRY.get_sample_value("gov_events_consumed_total", labels) or 0.0

    before = duplicates()
    consumer.start()
    try:
        wait_until(lambda: duplicates() - before == len(events))
    finally:
        consumer.stop()
    assert service.count() == len(events) and service.count(inbox) == len(events)
    bus.close()


def test_an_event_two_members_have_at_once_is_applied_once_without_a_failure(service: Service) -> None:
    """Two members of a group with the same event at once (a rebalance moved its partition while the first
    still had it in hand): a batch's transaction writes its inbox rows first, so the second member's
    waits for the first's transaction, then finds the event handled and skips it. Applied once, no
    failure. Before, the second member read the inbox before the first had written it and applied the
    event too, and the first member's whole batch failed at its inbox rows and ran again event by event."""
    events = [_event(f"C{n:04d}", 0) for n in range(6)]
    raced = events[3]
    main = threading.current_thread()
    calls: list[str] = []
    other_waited: list[bool] = []
    other_done = threading.Event()
    other_db = Database(service.url)
    bus = service.bus()
    messages = [Message(TOPIC, n % 2, n // 2, e.subject, e.encode(), {"ce_type": TYPE}) for n, e in enumerate(events)]

    def other_member() -> None:
        other.handle_batch([messages[3]])
        other_done.set()

    racer = threading.Thread(target=other_member)

    def handle(session: Session, event: Event) -> None:
        calls.append(event.id)
        if event.id == raced.id and threading.current_thread() is main:
            racer.start()
            other_waited.append(not other_done.wait(0.5))  # still waiting half a second later
        _record(session, event)

    def consumer(db: Database) -> EventConsumer:
        return EventConsumer(
            db=db,
            bus=bus,
            group="race-test",
            topics=[TOPIC],
            handlers={TYPE: handle},
            service="race-test",
            backoff_seconds=0,
        )

    other = consumer(other_db)
    consumer(service.db).handle_batch(messages)
    racer.join(30)
    other_db.dispose()
    bus.close()
    assert other_done.is_set() and other_waited == [True]
    assert sorted(calls) == sorted(e.id for e in events)  # the raced one once: the other member skipped it
    assert service.count() == len(events) and service.count(inbox) == len(events)


def test_a_relay_batch_is_four_statements_on_the_relays_own_connection(service: Service) -> None:
    """The advisory lock, the read, the mark, the unlock: each one round trip in autocommit on the relay's
    own connection (no BEGIN, COMMIT, pool checkout or ping per batch); the mark with asynchronous commit."""
    bus = service.bus()
    relay = OutboxRelay(db=service.db, bus=bus, service="statements-test")
    statements: list[str] = []

    def note(*args: object) -> None:
        words = str(args[2]).split()[:2]
        statements.append(" ".join(words).upper().split("(")[0].rstrip(","))

    sa_event.listen(service.db.engine, "before_cursor_execute", note)
    try:
        with service.db.session() as s:
            for seq in range(3):
                emit(s, TOPIC, _event("C0001", seq))
        statements.clear()
        assert relay.publish_pending() == 3
        assert statements == [
            "SET SYNCHRONOUS_COMMIT",  # once, when the relay's connection is opened
            "SELECT PG_TRY_ADVISORY_LOCK",
            "SELECT OUTBOX.ID",
            "UPDATE OUTBOX",
            "SELECT PG_ADVISORY_UNLOCK",
        ]
        statements.clear()
        assert relay.publish_pending() == 0
        assert len(statements) == 3  # lock, read (nothing), unlock
        with service.db.session() as s:
            assert s.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) == 0
    finally:
        relay.stop()
        bus.close()
    # Stopped: the connection is closed (not back in the pool with its settings), and the lock is free.
    with service.db.engine.connect() as connection:
        assert connection.execute(select(func.pg_try_advisory_lock(RELAY_LOCK_KEY))).scalar() is True
        connection.execute(select(func.pg_advisory_unlock(RELAY_LOCK_KEY)))


def test_a_running_relay_keeps_its_turn_while_commits_keep_coming(service: Service) -> None:
    """Under a steady flow of commits the running relay takes the advisory lock once per hold, not once per
    batch (two round trips each), and still publishes every event as soon as its commit wakes it, in order."""
    bus = service.bus()
    relay = OutboxRelay(db=service.db, bus=bus, service="hold-test", hold_seconds=0.5)
    locks: list[float] = []

    def note(*args: object) -> None:
        if "pg_try_advisory_lock" in str(args[2]):
            locks.append(time.monotonic())

    sa_event.listen(service.db.engine, "before_cursor_execute", note)
    relay.start()
    reader = bus.broadcast_reader(TOPIC)
    try:
        started = time.monotonic()
        for seq in range(30):  # a commit every 20 ms, each waking the relay
            with service.db.session() as s:
                emit(s, TOPIC, _event("C0001", seq))
            time.sleep(0.02)
        seen: list[int] = []
        wait_until(
            lambda: (
                bool(seen.extend(int(Event.decode(m.value).data["seq"]) for m in reader.poll(0.2))) or len(seen) >= 30
            )
        )
        elapsed = time.monotonic() - started
    finally:
        reader.close()
        relay.stop()
        bus.close()
    assert seen == list(range(30))
    # One turn per RELAY_HOLD_MAX_SECONDS (1 s) at most, not thirty; a slow machine stretches the flow.
    assert len(locks) <= 2 + int(elapsed), (len(locks), elapsed)
