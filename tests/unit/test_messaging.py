"""Outbox and inbox semantics on SQLite and the local bus (the standalone backends)."""

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common.bus.base import BusConsumer, Message, Outgoing, last_per_partition
from gov_common.bus.local import LocalBus
from gov_common.db import Database, dialect_insert
from gov_common.events import Event, Topics
from gov_common.messaging import (
    GATHERED_ROWS,
    GUARDED_SAVEPOINTS,
    SKIPPED_COMMIT_SECONDS,
    TYPE_HEADER,
    BatchHandler,
    EventConsumer,
    OutboxRelay,
    PreparedHandler,
    emit,
    gathered,
    inbox,
    messaging_metadata,
    outbox,
    purge_inbox,
)

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


# -- batches ---------------------------------------------------------------------------------


class _Crash(Exception):
    """The process dies here (not a failure of infrastructure the consumer would retry)."""


class _CountingConsumer(BusConsumer):
    """A consumer-group member that only records what is committed, and how often."""

    def __init__(self, fail_commits: bool = False) -> None:
        self.commit_calls: list[dict[tuple[str, int], int]] = []
        self.fail_commits = fail_commits

    def poll(self, timeout: float) -> list[Message]:
        return []

    def commit(self, message: Message) -> None:
        self.commit_all([message])

    def commit_all(self, messages: Sequence[Message]) -> None:
        if self.fail_commits:
            raise _Crash("the process died before the offsets were committed")
        self.commit_calls.append({p: m.offset + 1 for p, m in last_per_partition(messages).items()})

    def rewind(self) -> None:
        return None

    def close(self) -> None:
        return None


def _messages(events: Sequence[Event], partitions: int = 2) -> list[Message]:
    """Messages as a poll returns them: each subject on one partition, offsets counting per partition."""
    offsets = [0] * partitions
    out = []
    for event in events:
        p = int(event.subject[1:]) % partitions
        out.append(Message(Topics.CASE, p, offsets[p], event.subject, event.encode(), {TYPE_HEADER: event.type}))
        offsets[p] += 1
    return out


def _transactions(db: Database) -> list[int]:
    """Counts the transactions committed on `db` from now on (in the returned list's one element)."""
    count = [0]
    sa_event.listen(db.engine, "commit", lambda _conn: count.__setitem__(0, count[0] + 1))
    return count


def test_a_poll_batch_is_one_transaction_and_one_offset_commit(db: Database, bus: LocalBus) -> None:
    events = [_event(n) for n in range(10)]
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": _record}, service="test"
    )
    member = _CountingConsumer()
    transactions = _transactions(db)
    consumer.handle_batch(_messages(events), member)
    assert transactions[0] == 1
    assert _count(db, effects) == 10 and _count(db, inbox) == 10
    assert member.commit_calls == [{(Topics.CASE, 0): 5, (Topics.CASE, 1): 5}]


def test_events_of_types_without_a_handler_are_skipped_undecoded_and_committed(db: Database, bus: LocalBus) -> None:
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": _record}, service="test"
    )
    handled = _event(0)
    messages = [
        # Not even valid JSON: it would be dead-lettered if it were decoded.
        Message(Topics.CASE, 0, 0, "S0", b"not decoded", {TYPE_HEADER: "test.other"}),
        Message(Topics.CASE, 0, 1, "S0", handled.encode(), {TYPE_HEADER: handled.type}),
        Message(Topics.CASE, 0, 2, "S0", _event(0).encode()),  # no header: decoded, handled
    ]
    member = _CountingConsumer()
    consumer.handle_batch(messages, member)
    assert _count(db, effects) == 2
    assert bus.consumer("dlt-reader", [Topics.dead_letter(Topics.CASE)]).poll(0.05) == []
    assert member.commit_calls == [{(Topics.CASE, 0): 3}]


def test_events_that_do_not_concern_the_member_are_committed_without_database_work(db: Database, bus: LocalBus) -> None:
    # A department's system reads every department's case events: the others' must cost it nothing
    # but their decoding (no inbox look-up, no transaction), or its cost grows with the whole county.
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": _record},
        service="test",
        accepts=lambda event: event.data["n"] % 2 == 0,
    )
    events = [_event(n) for n in range(6)]
    commits = _transactions(db)
    member = _CountingConsumer()
    consumer.handle_batch(_messages([events[1], events[3]]), member)  # none concerns it
    assert commits == [0] and _count(db, effects) == 0 and _count(db, inbox) == 0
    # Its offsets wait for the next batch that needs a commit (SKIPPED_COMMIT_SECONDS).
    assert member.commit_calls == []
    consumer.handle_batch(_messages(events), member)
    assert member.commit_calls == [{(Topics.CASE, 0): 3, (Topics.CASE, 1): 3}]
    with db.session() as session:
        handled = set(session.scalars(select(effects.c.event_id)))
    assert handled == {events[0].id, events[2].id, events[4].id}
    assert _count(db, inbox) == 3


def test_a_poison_event_is_isolated_and_its_partition_waits_for_it(db: Database, bus: LocalBus) -> None:
    events = [_event(n) for n in range(10)]  # S0, S2, ... on partition 0; S1, S3, ... on partition 1
    poison = events[4]  # partition 0, its third message
    timeline: list[str] = []

    def handle(session: Session, event: Event) -> None:
        timeline.append(f"try {event.subject}")
        _record(session, event)
        if event.id == poison.id:
            raise ValueError("poison")

    dead_letters: list[str] = []
    publish = bus.publish

    def recording_publish(topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        dead_letters.append(key)
        timeline.append(f"dead {key}")
        publish(topic, key, value, headers)

    bus.publish = recording_publish  # type: ignore[method-assign]
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": handle},
        service="test",
        max_attempts=3,
        backoff_seconds=0,
    )
    member = _CountingConsumer()
    consumer.handle_batch(_messages(events), member)

    assert dead_letters == ["S4"]
    assert _count(db, effects) == 9 and _count(db, inbox) == 9  # the poison's effect rolled back
    assert timeline.count("try S4") == 3
    # The batch committed partition 1 whole and partition 0 up to the poison, in one commit; the
    # poison's own offset once it was dead-lettered; then what followed it on partition 0.
    assert member.commit_calls == [
        {(Topics.CASE, 0): 2, (Topics.CASE, 1): 5},
        {(Topics.CASE, 0): 3},
        {(Topics.CASE, 0): 5},
    ]
    # S6 and S8 come after S4 on its partition: not tried before S4 was dead-lettered.
    dead_at = timeline.index("dead S4")
    assert timeline.index("try S6") > dead_at and timeline.index("try S8") > dead_at
    # Partition 1 did not wait for partition 0.
    assert timeline.index("try S9") < timeline.index("try S4", timeline.index("try S4") + 1)


def test_a_redelivered_batch_after_a_crash_before_the_offset_commit_has_one_effect(db: Database, bus: LocalBus) -> None:
    for n in range(5):
        event = _event(n)
        bus.publish(Topics.CASE, event.subject, event.encode())
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": _record}, service="test"
    )
    member = bus.consumer("g", [Topics.CASE])
    first = member.poll(0.1)
    with pytest.raises(_Crash):
        consumer.handle_batch(first, _CountingConsumer(fail_commits=True))  # committed in the database only
    again = bus.consumer("g", [Topics.CASE])
    redelivered = again.poll(0.1)
    assert [m.offset for m in redelivered] == [m.offset for m in first]
    consumer.handle_batch(redelivered, again)
    assert _count(db, effects) == 5 and _count(db, inbox) == 5
    assert bus.consumer("g", [Topics.CASE]).poll(0.05) == []


# -- the prepare stage -----------------------------------------------------------------------


def test_the_prepare_stage_runs_with_no_connection_held_and_its_result_reaches_the_handler(
    db: Database, bus: LocalBus
) -> None:
    checked_out_while_preparing: list[int] = []
    received: list[tuple[str, Any]] = []

    def prepare(event: Event) -> str:
        # No session, no transaction, not even a pooled connection is held while this runs.
        checked_out_while_preparing.append(db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return f"looked up {event.subject}"

    def handle(session: Session, event: Event, prepared: str) -> None:
        assert session.in_transaction()
        received.append((event.subject, prepared))
        _record(session, event)

    events = [_event(n) for n in range(4)]
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": PreparedHandler(prepare, handle)},
        service="test",
    )
    consumer.handle_batch(_messages(events), _CountingConsumer())
    assert checked_out_while_preparing == [0, 0, 0, 0]
    assert sorted(received) == [(f"S{n}", f"looked up S{n}") for n in range(4)]
    # A redelivery is not prepared again: the inbox is read first.
    consumer.handle_batch(_messages(events), _CountingConsumer())
    assert len(checked_out_while_preparing) == 4 and _count(db, effects) == 4


def test_a_failing_prepare_is_retried_then_dead_lettered(db: Database, bus: LocalBus) -> None:
    attempts: list[str] = []

    def prepare(event: Event) -> None:
        attempts.append(event.subject)
        raise ValueError("the registry refused the request as malformed")

    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": PreparedHandler(prepare, lambda s, e, p: _record(s, e))},
        service="test",
        max_attempts=2,
        backoff_seconds=0,
    )
    member = _CountingConsumer()
    consumer.handle_batch(_messages([_event(0)]), member)
    assert attempts == ["S0", "S0"] and _count(db, effects) == 0
    assert len(bus.consumer("r", [Topics.dead_letter(Topics.CASE)]).poll(0.1)) == 1
    assert member.commit_calls == [{(Topics.CASE, 0): 1}]


def test_the_relay_sends_a_batch_and_names_each_event_type_in_a_header(db: Database, bus: LocalBus) -> None:
    relay = OutboxRelay(db=db, bus=bus, service="test", batch=3)
    with db.session() as s:
        for n in range(5):
            emit(s, Topics.CASE, _event(n))
    assert relay.publish_pending() == 3
    assert relay.drain() is True
    messages = bus.consumer("g", [Topics.CASE]).poll(0.1)
    assert [Event.decode(m.value).data["n"] for m in messages] == [0, 1, 2, 3, 4]
    assert {m.headers[TYPE_HEADER] for m in messages} == {"test.happened"}
    assert relay.publish_pending() == 0


class _TopicsMade(LocalBus):
    """A local bus that notes which topics it was asked to make, and refuses a send to any other (as a
    Kafka cluster that creates no topic on a first write would time out)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.made: list[list[str]] = []

    def ensure_topics(self, topics: Sequence[str], *, config: Mapping[str, str] | None = None) -> None:
        self.made.append(list(topics))

    def publish_batch(self, messages: Sequence[Outgoing]) -> None:
        known = {t for made in self.made for t in made}
        assert all(m.topic in known for m in messages), [m.topic for m in messages]
        super().publish_batch(messages)


def test_one_event_on_two_topics_is_one_event_on_each_in_order_and_its_topics_made_once(
    db: Database, tmp_path: Path
) -> None:
    bus = _TopicsMade(str(tmp_path / "bus.db"))
    relay = OutboxRelay(db=db, bus=bus, service="test")
    department = Topics.department_cases("amr")
    first, second, third = _event(1), _event(2), _event(3)
    with db.session() as s:
        emit(s, [Topics.CASE, department], first)
        emit(s, Topics.CASE, second)
        emit(s, [Topics.CASE, department], third)
    assert relay.publish_pending() == 5
    on_case = bus.consumer("g", [Topics.CASE]).poll(0.1)
    on_department = bus.consumer("g", [department]).poll(0.1)
    assert [Event.decode(m.value).id for m in on_case] == [first.id, second.id, third.id]
    assert [m.value for m in on_department] == [first.encode(), third.encode()]  # the same events
    assert [m.key for m in on_department] == ["S1", "S3"]
    assert bus.made == [sorted([Topics.CASE, department])]
    with db.session() as s:
        emit(s, [Topics.CASE, department], _event(4))
        emit(s, Topics.department_cases("psb"), _event(5))
    assert relay.publish_pending() == 3
    assert bus.made == [sorted([Topics.CASE, department]), [Topics.department_cases("psb")]]  # only the new one
    with pytest.raises(IntegrityError), db.session() as s:
        emit(s, [Topics.CASE, Topics.CASE], _event(6))  # once per topic


def test_events_gathered_in_a_unit_of_work_are_one_statement_in_the_order_emitted(db: Database, bus: LocalBus) -> None:
    relay = OutboxRelay(db=db, bus=bus, service="test")
    department = Topics.department_cases("amr")
    events = [_event(n) for n in range(GATHERED_ROWS + 3)]  # more than one statement's rows
    seen = _statements(db)
    with db.session() as s, gathered(s):
        emit(s, Topics.CASE, events[0])
        with gathered(s):  # nested: the outer block writes
            emit(s, [Topics.CASE, department], events[1])
        assert _count(db, outbox) == 0 and seen.count("INSERT") == 0  # nothing written yet
        for event in events[2:]:
            emit(s, Topics.CASE, event)
    assert seen.count("INSERT") == 2  # GATHERED_ROWS rows, then the rest
    assert relay.publish_pending() == len(events) + 1
    on_case = bus.consumer("g", [Topics.CASE]).poll(0.1)
    assert [Event.decode(m.value).id for m in on_case] == [event.id for event in events]
    assert [Event.decode(m.value).id for m in bus.consumer("g", [department]).poll(0.1)] == [events[1].id]
    # A block that raises writes none of its events (the unit of work is rolled back).
    with pytest.raises(RuntimeError), db.session() as s, gathered(s):
        emit(s, Topics.CASE, _event(99))
        raise RuntimeError("the filing failed")
    # Nor may a savepoint within a block emit: its rollback alone would not take the held-back rows with it.
    with pytest.raises(RuntimeError, match="savepoint"), db.session() as s, gathered(s), s.begin_nested():
        emit(s, Topics.CASE, _event(98))
    with db.session() as s:  # and emit outside a block writes at once, as before
        emit(s, Topics.CASE, _event(100))
        assert s.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) == 1
    assert relay.publish_pending() == 1


def test_a_batch_transaction_that_fails_whole_is_retried_event_by_event(db: Database, bus: LocalBus) -> None:
    refusals = [1]

    def refuse_the_first_commit(session: Session) -> None:
        if refusals[0] and not session.in_nested_transaction():  # the transaction's, not a savepoint's
            refusals[0] -= 1
            raise ConnectionError("the database went away at commit")

    sa_event.listen(db.sessions, "before_commit", refuse_the_first_commit)
    events = [_event(n) for n in range(6)]
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": _record},
        service="test",
        backoff_seconds=0,
    )
    member = _CountingConsumer()
    consumer.handle_batch(_messages(events), member)
    assert _count(db, effects) == 6 and _count(db, inbox) == 6
    # Nothing of the failed transaction was committed; the first event of each partition went alone,
    # then the rest of the batch together.
    assert member.commit_calls == [
        {(Topics.CASE, 0): 1},
        {(Topics.CASE, 1): 1},
        {(Topics.CASE, 0): 3, (Topics.CASE, 1): 3},
    ]
    assert bus.consumer("r", [Topics.dead_letter(Topics.CASE)]).poll(0.05) == []


class _Batches:
    """A BatchHandler over `effects` that records its calls; `poison` fails whichever call holds it."""

    def __init__(self, poison: str | None = None) -> None:
        self.batches: list[list[int]] = []
        self.singles: list[int] = []
        self.poison = poison
        self.handler = BatchHandler(self.one, self.many)

    def one(self, session: Session, event: Event) -> None:
        self.singles.append(event.data["n"])
        if event.id == self.poison:
            raise ValueError("poison")
        _record(session, event)

    def many(self, session: Session, events: Sequence[Event]) -> None:
        self.batches.append([e.data["n"] for e in events])
        session.execute(insert(effects), [{"event_id": e.id} for e in events])
        if any(e.id == self.poison for e in events):
            raise ValueError("poison")


def _statements(db: Database) -> list[str]:
    seen: list[str] = []
    sa_event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2].split()[0].upper()))
    return seen


def test_a_batch_handler_takes_the_batchs_new_events_in_one_call(db: Database, bus: LocalBus) -> None:
    batches = _Batches()
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": batches.handler}, service="test"
    )
    events = [_event(n) for n in range(10)]
    member = _CountingConsumer()
    consumer.handle_batch(_messages(events[:2]), member)  # already handled when the batch comes again
    statements = _statements(db)
    transactions = _transactions(db)
    consumer.handle_batch(_messages([*events, events[5]]), member)  # and one resent within the batch
    # One transaction: the inbox rows (one statement, which tells the events handled before), the
    # handler's one call (no savepoint), whatever the batch's size.
    assert transactions[0] == 1
    assert statements == ["BEGIN", "INSERT", "INSERT"]
    assert batches.batches == [[0, 1], [2, 3, 4, 5, 6, 7, 8, 9]] and batches.singles == []
    assert _count(db, effects) == 10 and _count(db, inbox) == 10


def test_a_batch_mixing_handlers_calls_the_batch_handler_once_per_run_in_order(db: Database, bus: LocalBus) -> None:
    # As a poll batch of two topics comes (one partition's records after another's): the runs of the
    # BatchHandler's events are one call each, the plain events between them go one by one, all in order.
    order: list[str] = []
    batches = _Batches()

    def many(session: Session, events: Sequence[Event]) -> None:
        order.append("batch " + " ".join(str(e.data["n"]) for e in events))
        batches.many(session, events)

    def plain(session: Session, event: Event) -> None:
        order.append(f"plain {event.data['n']}")
        _record(session, event)

    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": BatchHandler(batches.one, many), "test.other": plain},
        service="test",
    )

    def other(n: int) -> Event:
        return Event.new(type="test.other", source="/test", subject=f"S{n}", data={"n": n})

    events = [_event(0), _event(1), other(2), other(3), _event(4), _event(5), _event(6)]
    messages = [Message(Topics.CASE, 0, n, e.subject, e.encode(), {TYPE_HEADER: e.type}) for n, e in enumerate(events)]
    statements = _statements(db)
    consumer.handle_batch(messages, _CountingConsumer())
    assert order == ["batch 0 1", "plain 2", "plain 3", "batch 4 5 6"]
    assert batches.singles == []
    # The inbox rows, two batch INSERTs and two plain ones: one transaction, no savepoint.
    assert statements == ["BEGIN", "INSERT", "INSERT", "INSERT", "INSERT", "INSERT"]
    assert _count(db, effects) == 7 and _count(db, inbox) == 7


def test_a_failing_batch_is_handled_event_by_event_and_the_poison_isolated(db: Database, bus: LocalBus) -> None:
    events = [_event(n) for n in range(6)]
    batches = _Batches(poison=events[2].id)  # partition 0: S0, S2, S4
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": batches.handler},
        service="test",
        max_attempts=2,
        backoff_seconds=0,
    )
    member = _CountingConsumer()
    consumer.handle_batch(_messages(events), member)
    # The batch's call was rolled back whole; each event then went alone, and the poison stopped its
    # partition: S4 waited behind it, then went through with the next pass.
    assert batches.batches[0] == [0, 1, 2, 3, 4, 5]
    with db.session() as session:
        handled = set(session.scalars(select(effects.c.event_id)))
    assert handled == {e.id for e in events} - {events[2].id}
    assert _count(db, inbox) == 5
    dead = bus.consumer("r", [Topics.dead_letter(Topics.CASE)]).poll(0.05)
    assert [Event.decode(m.value).id for m in dead] == [events[2].id]


class _OwnKey:
    """An idempotent BatchHandler: one `effects` row per event id, written with ON CONFLICT DO NOTHING."""

    def __init__(self, poison: str | None = None) -> None:
        self.calls: list[list[int]] = []
        self.poison = poison
        self.handler = BatchHandler(self.one, self.many, idempotent=True)

    def one(self, session: Session, event: Event) -> None:
        self.many(session, [event])

    def many(self, session: Session, events: Sequence[Event]) -> None:
        self.calls.append([e.data["n"] for e in events])
        if any(e.id == self.poison for e in events):
            raise ValueError("poison")
        statement = dialect_insert(session, effects).on_conflict_do_nothing(index_elements=["event_id"])
        session.execute(statement, [{"event_id": e.id} for e in events])


def test_an_idempotent_batch_handler_runs_without_the_inbox_and_still_has_one_effect(
    db: Database, bus: LocalBus
) -> None:
    own = _OwnKey()
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": own.handler}, service="test"
    )
    events = [_event(n) for n in range(10)]
    member = _CountingConsumer()
    consumer.handle_batch(_messages(events[:2]), member)
    statements = _statements(db)
    consumer.handle_batch(_messages([*events, events[5]]), member)  # two handled before, one resent within
    # No inbox read, no inbox rows: the handler's one statement is the batch's transaction.
    assert statements == ["BEGIN", "INSERT"]
    assert own.calls[1] == list(range(10))  # the resend dropped within the batch; the earlier two again
    assert _count(db, effects) == 10 and _count(db, inbox) == 0


def test_an_idempotent_batch_handler_mixed_with_an_inboxed_one_keeps_the_inbox_for_that_one(
    db: Database, bus: LocalBus
) -> None:
    own = _OwnKey(poison=None)

    def other(n: int) -> Event:
        return Event.new(type="test.other", source="/test", subject=f"S{n}", data={"n": n})

    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": own.handler, "test.other": _record},
        service="test",
    )
    events = [_event(0), other(1), _event(2)]
    messages = [Message(Topics.CASE, 0, n, e.subject, e.encode(), {TYPE_HEADER: e.type}) for n, e in enumerate(events)]
    consumer.handle_batch(messages, _CountingConsumer())
    consumer.handle_batch(messages, _CountingConsumer())  # delivered again
    with db.session() as session:
        assert set(session.scalars(select(inbox.c.event_id))) == {events[1].id}
    assert _count(db, effects) == 3


def test_an_idempotent_batch_that_fails_is_handled_event_by_event_without_the_inbox(
    db: Database, bus: LocalBus
) -> None:
    events = [_event(n) for n in range(6)]
    own = _OwnKey(poison=events[2].id)  # partition 0: S0, S2, S4
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": own.handler},
        service="test",
        max_attempts=2,
        backoff_seconds=0,
    )
    consumer.handle_batch(_messages(events), _CountingConsumer())
    with db.session() as session:
        handled = set(session.scalars(select(effects.c.event_id)))
    assert handled == {e.id for e in events} - {events[2].id}
    assert _count(db, inbox) == 0  # the batch with a savepoint per event kept no inbox rows either
    dead = bus.consumer("r", [Topics.dead_letter(Topics.CASE)]).poll(0.05)
    assert [Event.decode(m.value).id for m in dead] == [events[2].id]


def test_skipped_only_batches_are_committed_together_not_one_commit_each(
    db: Database, bus: LocalBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": _record}, service="test"
    )
    clock = [1000.0]
    monkeypatch.setattr("gov_common.messaging.time.monotonic", lambda: clock[0])
    member = _CountingConsumer()
    others = [Event.new(type="test.other", source="/t", subject=f"S{n}", data={}) for n in range(4)]
    for n, event in enumerate(others):  # one event a poll, as at a low rate
        message = Message(Topics.CASE, n % 2, n // 2, event.subject, b"not decoded", {TYPE_HEADER: event.type})
        consumer.handle_batch([message], member)
    assert member.commit_calls == [] and _count(db, inbox) == 0
    # Due after SKIPPED_COMMIT_SECONDS: the newest offset of each partition, in one commit.
    clock[0] += SKIPPED_COMMIT_SECONDS
    consumer._commit_deferred(member, due_only=True)
    assert member.commit_calls == [{(Topics.CASE, 0): 2, (Topics.CASE, 1): 2}]
    consumer._commit_deferred(member, due_only=True)
    assert len(member.commit_calls) == 1  # nothing left waiting


def test_a_batch_of_plain_events_is_one_transaction_without_a_savepoint(db: Database, bus: LocalBus) -> None:
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": _record}, service="test"
    )
    events = [_event(n) for n in range(6)]
    member = _CountingConsumer()
    consumer.handle_batch(_messages(events[:1]), member)  # already handled when it comes again below
    statements = _statements(db)
    transactions = _transactions(db)
    consumer.handle_batch(_messages(events), member)
    # The inbox rows (one statement, which tells the event handled before), each new event's handler: no
    # SAVEPOINT and RELEASE per event while none of them fails (two round trips each on PostgreSQL).
    assert transactions[0] == 1
    assert statements == ["BEGIN", "INSERT", "INSERT", "INSERT", "INSERT", "INSERT", "INSERT"]
    assert _count(db, effects) == 6 and _count(db, inbox) == 6


def _poisoned_consumer(db: Database, bus: LocalBus, poison: str, calls: list[int]) -> EventConsumer:
    def handler(session: Session, event: Event) -> None:
        calls.append(event.data["n"])
        _record(session, event)
        if event.id == poison:
            raise ValueError("poison")

    return EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": handler},
        service="test",
        max_attempts=1,
        backoff_seconds=0,
        max_batch=500,
    )


def test_an_event_failing_in_a_batch_without_savepoints_is_isolated_and_called_once(
    db: Database, bus: LocalBus
) -> None:
    events = [_event(n) for n in range(6)]  # partition 0: S0, S2, S4; partition 1: S1, S3, S5
    calls: list[int] = []
    consumer = _poisoned_consumer(db, bus, events[2].id, calls)
    member = _CountingConsumer()
    statements = _statements(db)
    consumer.handle_batch(_messages(events), member)
    # The batch without savepoints stopped at S2 and was rolled back; then S0 and S1 again, S2 not again
    # (its failure kept: one attempt, as max_attempts says), S3 and S5 each in a savepoint; then S4 alone
    # after the poison was dead-lettered.
    assert calls == [0, 1, 2, 0, 1, 3, 5, 4]
    assert "SAVEPOINT" in statements
    with db.session() as session:
        handled = set(session.scalars(select(effects.c.event_id)))
    assert handled == {e.id for e in events} - {events[2].id}
    assert _count(db, inbox) == 5
    dead = bus.consumer("r", [Topics.dead_letter(Topics.CASE)]).poll(0.05)
    assert [Event.decode(m.value).id for m in dead] == [events[2].id]


def test_the_events_a_batchs_handlers_emit_are_one_statement_and_none_of_a_failed_event(
    db: Database, bus: LocalBus
) -> None:
    relay = OutboxRelay(db=db, bus=bus, service="test")
    poison: set[str] = set()

    def handler(session: Session, event: Event) -> None:
        _record(session, event)
        emit(
            session,
            Topics.CASE,
            Event.new(type="test.followed", source="/test", subject=event.subject, data={"of": event.data["n"]}),
        )
        if event.id in poison:
            raise ValueError("poison")

    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g",
        topics=[Topics.CASE],
        handlers={"test.happened": handler},
        service="test",
        max_attempts=1,
        backoff_seconds=0,
    )
    member = _CountingConsumer()
    events = [_event(n) for n in range(6)]
    statements = _statements(db)
    consumer.handle_batch(_messages(events), member)
    # The inbox rows, the six handlers' effects, then their six events in one INSERT, in the batch's order.
    assert statements == ["BEGIN"] + ["INSERT"] * 7 + ["INSERT"]
    assert relay.publish_pending() == 6
    followed = bus.consumer("r", [Topics.CASE]).poll(0.1)
    assert [Event.decode(m.value).data["of"] for m in followed if m.headers[TYPE_HEADER] == "test.followed"] == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]
    # A poison among them: the batch without savepoints is rolled back with its held-back events, the
    # events are handled again one savepoint each (emitting as they go), and the poison emits nothing.
    more = [_event(n) for n in range(6, 10)]
    poison.add(more[1].id)
    consumer.handle_batch(_messages(more), member)
    assert relay.publish_pending() == 3
    again = bus.consumer("r2", [Topics.CASE]).poll(0.1)
    assert sorted(Event.decode(m.value).data["of"] for m in again if m.headers[TYPE_HEADER] == "test.followed")[6:] == [
        6,
        8,
        9,
    ]


def _savepoints_per_transaction(statements: Sequence[str]) -> list[int]:
    counts: list[int] = []
    for verb in statements:
        if verb == "BEGIN":
            counts.append(0)
        elif verb == "SAVEPOINT":
            counts[-1] += 1
    return [n for n in counts if n]


def test_a_large_failing_batch_is_retried_in_transactions_of_at_most_fifty_savepoints(
    db: Database, bus: LocalBus
) -> None:
    # A gathering group's batch (hundreds of events) with one poison near its end: the guarded pass takes
    # a savepoint per event, and PostgreSQL caches only 64 subtransactions of a transaction per backend.
    events = [_event(n) for n in range(120)]  # partition 0: the even ones, partition 1: the odd ones
    calls: list[int] = []
    consumer = _poisoned_consumer(db, bus, events[118].id, calls)
    statements = _statements(db)
    consumer.handle_batch(_messages(events), _CountingConsumer())
    per_transaction = _savepoints_per_transaction(statements)
    assert per_transaction == [GUARDED_SAVEPOINTS, GUARDED_SAVEPOINTS, 19]  # 0-49, 50-99, 100-119 less the poison
    with db.session() as session:
        handled = set(session.scalars(select(effects.c.event_id)))
    assert handled == {e.id for e in events} - {events[118].id}
    assert _count(db, inbox) == 119
    dead = bus.consumer("r", [Topics.dead_letter(Topics.CASE)]).poll(0.05)
    assert [Event.decode(m.value).id for m in dead] == [events[118].id]


def test_a_poison_at_the_start_of_a_part_still_holds_back_its_partition_in_the_parts_after_it(
    db: Database, bus: LocalBus
) -> None:
    events = [_event(n) for n in range(120)]
    calls: list[int] = []
    consumer = _poisoned_consumer(db, bus, events[GUARDED_SAVEPOINTS].id, calls)
    consumer.handle_batch(_messages(events, partitions=1), _CountingConsumer())
    # One partition: the part beginning with the poison has nothing else to apply, and the next part waits
    # behind it too; they go through, in order, once the poison is dead-lettered.
    with db.session() as session:
        rows = session.execute(select(effects.c.event_id).order_by(text("rowid"))).scalars().all()
    order = [int(next(e for e in events if e.id == row).data["n"]) for row in rows]
    assert order == [n for n in range(120) if n != GUARDED_SAVEPOINTS]
    assert calls.count(GUARDED_SAVEPOINTS) == 1


def _inbox_rows(db: Database, ages_in_days: dict[str, float]) -> None:
    now = dt.datetime.now(dt.UTC)
    with db.session() as session:
        session.execute(
            insert(inbox),
            [
                {"consumer": key[0], "event_id": key, "event_type": "t", "handled_at": now - dt.timedelta(days=age)}
                for key, age in ages_in_days.items()
            ],
        )


def _inbox_ids(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(inbox.c.event_id)))


def test_the_inbox_rows_older_than_the_retention_are_deleted_in_chunks(db: Database) -> None:
    _inbox_rows(db, {"a-old-1": 50, "a-old-2": 46, "b-old-3": 60, "a-new": 1, "b-new": 44.9})
    assert purge_inbox(db, older_than_seconds=45 * 86400, chunk=2) == 3
    assert _inbox_ids(db) == {"a-new", "b-new"}
    assert purge_inbox(db, older_than_seconds=45 * 86400) == 0


def test_the_relay_purges_the_inbox_when_given_a_retention(db: Database, bus: LocalBus) -> None:
    _inbox_rows(db, {"a-old": 50, "a-new": 1})
    OutboxRelay(db=db, bus=bus, service="test").purge_old()
    assert _inbox_ids(db) == {"a-old", "a-new"}  # no inbox retention: kept for ever
    relay = OutboxRelay(
        db=db, bus=bus, service="test", poll_seconds=0.01, purge_every_seconds=0.01, inbox_retention_seconds=2 * 86400
    )
    relay.start()  # its loop's housekeeping runs purge_old
    try:
        deadline = time.monotonic() + 10
        while _inbox_ids(db) != {"a-new"}:
            assert time.monotonic() < deadline, _inbox_ids(db)
            time.sleep(0.02)
    finally:
        relay.stop()
