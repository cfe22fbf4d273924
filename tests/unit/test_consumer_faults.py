"""Transient is not poison (issue 14): a failure of infrastructure is retried without limit with
capped backoff and never dead-lettered; only a deterministic failure of a handler is, after bounded
retries. On SQLite and the local bus, with fakes for the failures."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import psycopg
import pytest
from kafka.errors import KafkaConnectionError, KafkaTimeoutError
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from gov_common.bus.base import BusConsumer, Message, Outgoing, Reassigned, last_per_partition
from gov_common.bus.local import LocalBus, LocalBusConsumer
from gov_common.db import Database
from gov_common.errors import InvalidField, ServiceUnavailable, TransientFailure
from gov_common.events import Event, Topics
from gov_common.messaging import (
    TYPE_HEADER,
    EventConsumer,
    HandedBack,
    OutboxRelay,
    PreparedHandler,
    backoff_delay,
    emit,
    inbox,
    messaging_metadata,
)
from gov_common.transient import is_transient

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


def _event(n: int) -> Event:
    return Event.new(type="test.happened", source="/test", subject=f"S{n}", data={"n": n})


def _messages(events: Sequence[Event]) -> list[Message]:
    """One partition, offsets 0, 1, 2, ... as a poll returns them."""
    return [Message(Topics.CASE, 0, n, e.subject, e.encode(), {TYPE_HEADER: e.type}) for n, e in enumerate(events)]


def _count(db: Database, table: Table) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _dead_letters(bus: LocalBus) -> list[Message]:
    return bus.consumer("dlt-reader", [Topics.dead_letter(Topics.CASE)]).poll(0.05)


def _record(session: Session, event: Event) -> None:
    session.execute(insert(effects).values(event_id=event.id))


class _Member(BusConsumer):
    """A consumer-group member that records commits and waits; its commits may fail first."""

    def __init__(self, commit_failures: Sequence[Exception] = ()) -> None:
        self.commits: list[dict[tuple[str, int], int]] = []
        self.commit_failures = list(commit_failures)
        self.waits: list[float] = []
        self.on_wait: Callable[[], None] | None = None

    def poll(self, timeout: float) -> list[Message]:
        return []

    def commit(self, message: Message) -> None:
        self.commit_all([message])

    def commit_all(self, messages: Sequence[Message]) -> None:
        if self.commit_failures:
            raise self.commit_failures.pop(0)
        self.commits.append({p: m.offset + 1 for p, m in last_per_partition(messages).items()})

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.on_wait is not None:
            self.on_wait()
        time.sleep(seconds)

    def rewind(self) -> None:
        return None

    def close(self) -> None:
        return None


def _consumer(db: Database, bus: LocalBus, handler: object, **options: object) -> EventConsumer:
    settings: dict[str, object] = {"max_attempts": 3, "backoff_seconds": 0.2, "backoff_cap_seconds": 1.0}
    settings.update(options)
    return EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": handler},  # type: ignore[dict-item]
        service="test",
        **settings,  # type: ignore[arg-type]
    )


def _no_sleep(consumer: EventConsumer) -> list[float]:
    """The backoffs the consumer asks for, recorded instead of slept."""
    delays: list[float] = []

    def wait(seconds: float, member: BusConsumer | None) -> bool:
        delays.append(round(seconds, 3))
        return not consumer._stop.is_set()

    consumer._wait = wait  # type: ignore[method-assign]
    return delays


# -- classification --------------------------------------------------------------------------


def _response(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "http://data-sharing/api/v1/registries/divisions/1")
    return httpx.HTTPStatusError(f"{status}", request=request, response=httpx.Response(status, request=request))


def _raised_from(error: Exception, cause: BaseException) -> Exception:
    try:
        raise error from cause
    except Exception as raised:
        return raised


def _raised_while_handling(error: Exception, context: BaseException, suppress: bool = False) -> Exception:
    try:
        try:
            raise context
        except BaseException:
            if suppress:
                raise error from None
            raise error  # noqa: B904 - the implicit context is what is tested
    except Exception as raised:
        return raised


TRANSIENT = {
    "sqlalchemy OperationalError (server gone)": sa_exc.OperationalError(
        "SELECT 1", {}, psycopg.OperationalError("server closed the connection unexpectedly")
    ),
    "sqlalchemy InterfaceError": sa_exc.InterfaceError("SELECT 1", {}, psycopg.InterfaceError("connection closed")),
    "DBAPI error of an invalidated connection": sa_exc.DBAPIError(
        "SELECT 1", {}, Exception("reset"), connection_invalidated=True
    ),
    "pool timeout": sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    "psycopg OperationalError": psycopg.OperationalError("connection refused"),
    "SQLite database is locked": sqlite3.OperationalError("database is locked"),
    "httpx connect error": httpx.ConnectError("refused"),
    "httpx read timeout": httpx.ReadTimeout("timed out"),
    "HTTP 503": _response(503),
    "HTTP 500": _response(500),
    "HTTP 429": _response(429),
    "ServiceUnavailable": ServiceUnavailable("data-sharing is unavailable"),
    "Kafka timeout": KafkaTimeoutError("no ack"),
    "no Kafka broker": KafkaConnectionError("no broker reachable"),
    "TransientFailure": TransientFailure("the registry is down"),
    "socket refused": ConnectionRefusedError(111, "refused"),
    "a handler's own error raised from an outage": _raised_from(
        ValueError("could not load the case"), sa_exc.OperationalError("SELECT", {}, Exception("gone"))
    ),
    "a handler's own error raised while handling an outage": _raised_while_handling(
        KeyError("case"), httpx.ConnectTimeout("timed out")
    ),
}
DETERMINISTIC = {
    "ValueError": ValueError("bad payload"),
    "KeyError": KeyError("applicant"),
    "IntegrityError": sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
    "ProgrammingError": sa_exc.ProgrammingError("SELECT", {}, Exception("undefined column")),
    "InvalidField": InvalidField("division_code", "no such division"),
    "HTTP 404": _response(404),
    "HTTP 422": _response(422),
    "an outage explicitly left behind (from None)": _raised_while_handling(
        ValueError("no such item"), httpx.ConnectError("refused"), suppress=True
    ),
}


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_failures_of_infrastructure_are_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", DETERMINISTIC.values(), ids=DETERMINISTIC.keys())
def test_failures_of_the_work_itself_are_deterministic(error: Exception) -> None:
    assert not is_transient(error)


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff_delay(n, base=0.2, cap=10.0) for n in range(1, 9)] == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0]
    assert backoff_delay(10_000, base=0.2, cap=10.0) == 10.0


# -- the retry loop --------------------------------------------------------------------------


def test_a_transient_failure_is_retried_past_the_attempts_and_never_dead_lettered(db: Database, bus: LocalBus) -> None:
    events = [_event(0), _event(1), _event(2)]
    outage = [12]  # failures in a row, four times max_attempts
    tried: list[str] = []

    def handle(session: Session, event: Event) -> None:
        tried.append(event.subject)
        if event.subject == "S0" and outage[0]:
            outage[0] -= 1
            shutting_down = psycopg.OperationalError("the database system is shutting down")
            raise sa_exc.OperationalError("INSERT", {}, shutting_down)
        _record(session, event)

    consumer = _consumer(db, bus, handle)
    delays = _no_sleep(consumer)
    member = _Member()
    consumer.handle_batch(_messages(events), member)

    assert _dead_letters(bus) == []
    assert _count(db, effects) == 3 and _count(db, inbox) == 3
    # S1 and S2 follow S0 in its partition: not tried before S0 went through.
    assert tried == ["S0"] * 13 + ["S1", "S2"]
    assert member.commits == [{(Topics.CASE, 0): 1}, {(Topics.CASE, 0): 3}]
    # One wait per failed attempt, doubling from 0.2 s up to the 1 s cap.
    assert delays == [0.2, 0.4, 0.8] + [1.0] * 9


def test_transient_failures_do_not_use_up_the_attempts_of_a_deterministic_one(db: Database, bus: LocalBus) -> None:
    failures: list[Exception] = [
        ValueError("a bug"),
        httpx.ConnectError("refused"),
        ValueError("a bug"),
        TransientFailure("down"),
        TransientFailure("down"),
    ]

    def handle(session: Session, event: Event) -> None:
        if failures:
            raise failures.pop(0)
        _record(session, event)

    consumer = _consumer(db, bus, handle, max_attempts=3)
    _no_sleep(consumer)
    consumer.handle_batch(_messages([_event(0)]), _Member())
    assert _count(db, effects) == 1 and _dead_letters(bus) == []


def test_a_poison_event_is_still_dead_lettered_after_bounded_retries(db: Database, bus: LocalBus) -> None:
    calls = [0]

    def handle(session: Session, event: Event) -> None:
        calls[0] += 1
        raise ValueError("the payload names no applicant")

    consumer = _consumer(db, bus, handle, max_attempts=3)
    delays = _no_sleep(consumer)
    member = _Member()
    consumer.handle_batch(_messages([_event(0)]), member)
    assert calls == [3] and delays == [0.2, 0.4]
    dead = _dead_letters(bus)
    assert len(dead) == 1 and "the payload names no applicant" in dead[0].headers["x-dead-letter-reason"]
    assert member.commits == [{(Topics.CASE, 0): 1}]


def test_a_registry_outage_in_the_prepare_stage_is_retried_until_it_answers(db: Database, bus: LocalBus) -> None:
    down = [7]

    def prepare(event: Event) -> str:
        if down[0]:
            down[0] -= 1
            raise ServiceUnavailable("data-sharing answered 503; try again shortly")
        return "区划有效"

    found: list[str] = []

    def handle(session: Session, event: Event, prepared: str) -> None:
        found.append(prepared)
        _record(session, event)

    consumer = _consumer(db, bus, PreparedHandler(prepare, handle), max_attempts=2)
    _no_sleep(consumer)
    consumer.handle_batch(_messages([_event(0)]), _Member())
    assert found == ["区划有效"] and _dead_letters(bus) == []


def test_a_pool_timeout_in_the_batch_transaction_does_not_dead_letter(db: Database, bus: LocalBus) -> None:
    # The "offline" risk: no pooled connection, or the database away, when the batch commits.
    refusals = [9]

    def refuse(session: Session) -> None:
        if refusals[0] and not session.in_nested_transaction():
            refusals[0] -= 1
            raise sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached, connection timed out")

    sa_event.listen(db.sessions, "before_commit", refuse)
    events = [_event(n) for n in range(4)]
    consumer = _consumer(db, bus, _record, max_attempts=2)
    _no_sleep(consumer)
    consumer.handle_batch(_messages(events), _Member())
    assert refusals == [0]
    assert _count(db, effects) == 4 and _count(db, inbox) == 4 and _dead_letters(bus) == []


def test_a_database_lost_at_the_batchs_first_statement_retries_every_event(db: Database, bus: LocalBus) -> None:
    # Seen under chaos: the inbox statement that opens the batch's transaction failed, no event had been
    # applied yet, and the consumer stopped on "delivery left todo" instead of retrying them.
    consumer = _consumer(db, bus, _record, max_attempts=1)
    claim = consumer._claim
    refusals = [1]

    def lost(session: Session, events: Sequence[Event]) -> set[str]:
        if refusals[0]:
            refusals[0] -= 1
            raise sa_exc.OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return claim(session, events)

    consumer._claim = lost  # type: ignore[method-assign]
    _no_sleep(consumer)
    consumer.handle_batch(_messages([_event(n) for n in range(4)]), _Member())
    assert refusals == [0]
    assert _count(db, effects) == 4 and _count(db, inbox) == 4 and _dead_letters(bus) == []


def test_one_event_twice_in_a_batch_is_handled_once_without_a_retry(db: Database, bus: LocalBus) -> None:
    # A producer's resend can put the same event twice into one poll batch; its second inbox row
    # used to fail the whole batch's transaction, which then went through the retry backoff.
    consumer = _consumer(db, bus, _record)
    delays = _no_sleep(consumer)
    twice = _event(0)
    consumer.handle_batch(_messages([twice, _event(1), twice]), _Member())
    assert _count(db, effects) == 2 and _count(db, inbox) == 2 and delays == []


def test_a_stopping_consumer_hands_back_an_event_in_a_transient_retry(db: Database, bus: LocalBus) -> None:
    def handle(session: Session, event: Event) -> None:
        raise TransientFailure("the registry is down")

    consumer = _consumer(db, bus, handle, max_attempts=1)
    member = _Member()
    waits_before_stop = 3

    def stop_after_a_while() -> None:
        if len(member.waits) >= waits_before_stop:
            consumer._stop.set()  # SIGTERM during the outage

    member.on_wait = stop_after_a_while
    consumer.backoff_seconds = 0.0005  # real waits, kept short
    with pytest.raises(HandedBack):
        consumer.handle_batch(_messages([_event(0)]), member)
    assert member.commits == [] and _dead_letters(bus) == []


def test_the_consumer_stays_in_its_group_while_it_waits(db: Database, bus: LocalBus) -> None:
    # Waiting out a 1 s backoff, it hands control to the member (which polls its group) at least
    # every half second, instead of sleeping past the group's poll interval.
    def handle(session: Session, event: Event) -> None:
        raise TransientFailure("down")

    consumer = _consumer(db, bus, handle, backoff_seconds=6.0, backoff_cap_seconds=6.0)
    member = _Member()
    stopped = threading.Timer(1.2, consumer._stop.set)
    stopped.start()
    started = time.monotonic()
    with pytest.raises(HandedBack):
        consumer.handle_batch(_messages([_event(0)]), member)
    assert time.monotonic() - started < 5  # it noticed the stop within a slice, not after the 6 s backoff
    assert len(member.waits) >= 3 and max(member.waits) <= 0.5


def test_a_rebalance_during_a_retry_drops_the_event_in_hand(db: Database, bus: LocalBus) -> None:
    def handle(session: Session, event: Event) -> None:
        raise TransientFailure("down")

    def rebalanced() -> None:
        raise Reassigned("the group was rebalanced")

    consumer = _consumer(db, bus, handle, backoff_seconds=0.001)
    member = _Member()
    member.on_wait = rebalanced
    with pytest.raises(Reassigned):
        consumer.handle_batch(_messages([_event(0), _event(1)]), member)
    assert member.commits == [] and _dead_letters(bus) == [] and _count(db, effects) == 0


def test_a_failed_offset_commit_is_retried(db: Database, bus: LocalBus) -> None:
    member = _Member(commit_failures=[KafkaTimeoutError("no coordinator"), KafkaConnectionError("no broker reachable")])
    consumer = _consumer(db, bus, _record)
    delays = _no_sleep(consumer)
    consumer.handle_batch(_messages([_event(0), _event(1)]), member)
    assert member.commits == [{(Topics.CASE, 0): 2}] and delays == [0.2, 0.4]


def test_a_failed_dead_letter_is_retried_before_the_offset_is_committed(db: Database, bus: LocalBus) -> None:
    def handle(session: Session, event: Event) -> None:
        raise ValueError("poison")

    publish = bus.publish
    refusals = [3]
    timeline: list[str] = []

    def flaky_publish(topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        if refusals[0]:
            refusals[0] -= 1
            timeline.append("refused")
            raise KafkaTimeoutError("the broker did not acknowledge")
        timeline.append("dead-lettered")
        publish(topic, key, value, headers)

    bus.publish = flaky_publish  # type: ignore[method-assign]
    consumer = _consumer(db, bus, handle, max_attempts=2)
    _no_sleep(consumer)
    member = _Member()
    consumer.handle_batch(_messages([_event(0)]), member)
    assert timeline == ["refused"] * 3 + ["dead-lettered"]
    assert len(_dead_letters(bus)) == 1 and member.commits == [{(Topics.CASE, 0): 1}]


def test_local_bus_rewind_returns_to_the_committed_offset(bus: LocalBus) -> None:
    for n in range(3):
        bus.publish(Topics.CASE, f"S{n}", _event(n).encode())
    member = bus.consumer("g", [Topics.CASE])
    first = member.poll(0.05)
    member.commit(first[0])
    assert member.poll(0.05) == []
    member.rewind()
    assert [m.offset for m in member.poll(0.05)] == [m.offset for m in first[1:]]


# -- the relay -------------------------------------------------------------------------------


class _FlakyBus(LocalBus):
    """The local bus behind a broker that is away for the first `outage` batches; the second of them
    gets half its batch appended before failing (as a flush that times out part-way)."""

    def __init__(self, path: str, outage: int) -> None:
        super().__init__(path)
        self.outage = outage
        self.failures = 0

    def publish_batch(self, messages: Sequence[Outgoing]) -> None:
        if self.failures < self.outage:
            self.failures += 1
            if self.failures == 2:
                super().publish_batch(messages[: len(messages) // 2])
            raise KafkaTimeoutError("Batch for t-0 containing 3 record(s) expired")
        super().publish_batch(messages)


def test_the_relay_rides_out_a_broker_outage_without_losing_or_reordering(db: Database, tmp_path: Path) -> None:
    flaky = _FlakyBus(str(tmp_path / "flaky-bus.db"), outage=5)
    # A 30 s poll: only the relay's own backoff can bring it back within the test's few seconds.
    relay = OutboxRelay(
        db=db, bus=flaky, service="test", poll_seconds=30, retry_backoff_seconds=0.01, retry_backoff_cap_seconds=0.04
    )
    events = [Event.new(type="test.happened", source="/test", subject="S1", data={"n": n}) for n in range(6)]
    with db.session() as s:
        for event in events:
            emit(s, Topics.CASE, event)
    relay.start()
    try:
        reader = flaky.consumer("g", [Topics.CASE])
        seen: list[int] = []
        deadline = time.monotonic() + 10
        while len(set(seen)) < len(events) and time.monotonic() < deadline:
            seen += [Event.decode(m.value).data["n"] for m in reader.poll(0.1)]
    finally:
        relay.stop()
    assert flaky.failures == 5
    # At least once and in order: the half batch of the failed flush, then the whole batch again.
    assert seen == [0, 1, 2, 0, 1, 2, 3, 4, 5]
    assert relay.publish_pending() == 0


class _RebalancingBus(LocalBus):
    """The local bus, whose member reports a rebalance the first time it waits."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.rewinds = 0
        self.rebalanced = False

    def consumer(self, group: str, topics: Sequence[str], *, max_records: int = 100, gather_ms: int = 0) -> BusConsumer:
        bus = self

        class Member(LocalBusConsumer):
            def wait(self, seconds: float) -> None:
                if not bus.rebalanced:
                    bus.rebalanced = True
                    raise Reassigned("the group was rebalanced")
                time.sleep(seconds)

            def rewind(self) -> None:
                bus.rewinds += 1
                super().rewind()

        return Member(self, group, topics, max_records)


def test_a_running_consumer_rewinds_after_a_rebalance_and_handles_the_event_once(db: Database, tmp_path: Path) -> None:
    bus = _RebalancingBus(str(tmp_path / "rebalancing-bus.db"))
    for n in range(3):
        bus.publish(Topics.CASE, "S0", _event(n).encode(), {TYPE_HEADER: "test.happened"})
    down = [3]

    def handle(session: Session, event: Event) -> None:
        if event.data["n"] == 0 and down[0]:
            down[0] -= 1
            raise TransientFailure("the registry is down")
        _record(session, event)

    consumer = _consumer(db, bus, handle, backoff_seconds=0.01, poll_seconds=0.05)
    consumer.start()
    try:
        deadline = time.monotonic() + 10
        while _count(db, effects) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        consumer.stop()
    assert bus.rewinds == 1 and down == [0]
    assert _count(db, effects) == 3 and _dead_letters(bus) == []
    assert bus.consumer("g", [Topics.CASE]).poll(0.05) == []  # all committed
