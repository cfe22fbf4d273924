"""Dead letters recorded, listed, replayed and discarded (gov_common.dead_letters), on SQLite and the
local bus (the standalone backends); the same on PostgreSQL and Kafka in tests/integration."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from gov_common.bus.base import Message
from gov_common.bus.local import LocalBus
from gov_common.cli import add_dead_letter_commands, dead_letters_command
from gov_common.db import Database
from gov_common.dead_letters import DeadLetters, dead_letter_metadata
from gov_common.errors import NotFound
from gov_common.events import Event, Topics
from gov_common.messaging import EventConsumer, PreparedHandler, inbox, messaging_metadata

effects_metadata = MetaData()
effects = Table("effects", effects_metadata, Column("event_id", String(64), primary_key=True))
TYPE = "test.poison"
GROUP = "g"
SERVICE = "unit-dead-letters"


class Switch:
    """A handler that fails until its cause is fixed."""

    def __init__(self) -> None:
        self.fixed = False

    def handle(self, session: Session, event: Event) -> None:
        if not self.fixed:
            raise ValueError(f"cannot handle {event.data}")
        session.execute(insert(effects).values(event_id=event.id))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'svc.db'}")
    for metadata in (messaging_metadata, dead_letter_metadata, effects_metadata):
        metadata.create_all(database.engine)
    return database


@pytest.fixture
def bus(tmp_path: Path) -> LocalBus:
    return LocalBus(str(tmp_path / "bus.db"))


def _consumer(db: Database, bus: LocalBus, handler: object, store: DeadLetters) -> EventConsumer:
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group=GROUP,
        topics=[Topics.CASE],
        handlers={TYPE: handler},  # type: ignore[dict-item]
        service=SERVICE,
        max_attempts=2,
        backoff_seconds=0.0,
    )
    consumer.on_dead_letter = store.record
    return consumer


def _deliver(bus: LocalBus, consumer: EventConsumer, value: bytes, key: str = "K1") -> Message:
    bus.publish(Topics.CASE, key, value, {})
    [message] = bus.consumer(f"reader-{key}", [Topics.CASE]).poll(0.5)[-1:]
    consumer.handle_message(message)
    return message


def _effects(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(effects)) or 0)


def _pending_gauge(topic: str = Topics.CASE) -> float | None:
    return REGISTRY.get_sample_value("gov_dead_letters_pending", {"service": SERVICE, "group": GROUP, "topic": topic})


def test_a_poison_event_is_recorded_and_still_goes_to_its_dead_letter_topic(db: Database, bus: LocalBus) -> None:
    switch = Switch()
    store = DeadLetters(db=db, service=SERVICE, handlers={TYPE: switch.handle})
    event = Event.new(type=TYPE, source="/test", subject="S1", data={"n": 1})
    message = _deliver(bus, _consumer(db, bus, switch.handle, store), event.encode())

    [letter] = store.letters()
    assert (letter.group, letter.topic, letter.partition, letter.offset) == (GROUP, Topics.CASE, 0, message.offset)
    assert (letter.event_id, letter.event_type, letter.key, letter.status) == (event.id, TYPE, "K1", "pending")
    assert "ValueError: cannot handle" in letter.reason
    assert _pending_gauge() == 1
    [dead] = bus.consumer("dlt-reader", [Topics.dead_letter(Topics.CASE)]).poll(0.5)
    assert dead.value == event.encode()  # the topic's format is unchanged
    assert dead.headers["x-consumer-group"] == GROUP
    assert dead.headers["x-original-offset"] == str(message.offset)
    assert "cannot handle" in dead.headers["x-dead-letter-reason"]


def test_replay_after_the_fix_handles_the_event_once_and_a_second_replay_changes_nothing(
    db: Database, bus: LocalBus
) -> None:
    switch = Switch()
    store = DeadLetters(db=db, service=SERVICE, handlers={TYPE: switch.handle})
    _deliver(
        bus, _consumer(db, bus, switch.handle, store), Event.new(type=TYPE, source="/t", subject="S", data={}).encode()
    )
    [letter] = store.letters()

    still = store.replay(letter.id)  # the cause is not fixed yet
    assert still.outcome == "failed"
    assert (still.dead_letter.status, still.dead_letter.replay_attempts) == ("pending", 1)
    assert _effects(db) == 0

    switch.fixed = True
    replay = store.replay(letter.id)
    assert replay.outcome == "handled"
    assert replay.dead_letter.status == "replayed"
    assert _effects(db) == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(inbox).where(inbox.c.consumer == GROUP)) == 1
    assert _pending_gauge() == 0

    again = store.replay(letter.id)
    assert again.outcome == "unchanged"
    assert _effects(db) == 1
    assert store.letters() == []


def test_a_letter_whose_event_was_handled_meanwhile_is_settled_without_handling_it_again(
    db: Database, bus: LocalBus
) -> None:
    switch = Switch()
    store = DeadLetters(db=db, service=SERVICE, handlers={TYPE: switch.handle})
    event = Event.new(type=TYPE, source="/t", subject="S", data={})
    consumer = _consumer(db, bus, switch.handle, store)
    _deliver(bus, consumer, event.encode())
    switch.fixed = True
    _deliver(bus, consumer, event.encode(), key="K2")  # redelivered and handled by the consumer
    assert _effects(db) == 1
    [letter] = store.letters()
    assert store.replay(letter.id).outcome == "duplicate"
    assert _effects(db) == 1


def test_a_prepared_handler_is_replayed_with_its_prepare_stage_outside_the_transaction(
    db: Database, bus: LocalBus
) -> None:
    switch = Switch()
    in_transaction: list[bool] = []

    def prepare(event: Event) -> str:
        in_transaction.append(db.engine.pool.checkedout() > 0)  # type: ignore[attr-defined]
        return "looked up"

    def handle(session: Session, event: Event, prepared: str) -> None:
        assert prepared == "looked up"
        switch.handle(session, event)

    handler = PreparedHandler(prepare=prepare, handle=handle)
    store = DeadLetters(db=db, service=SERVICE, handlers={TYPE: handler})
    _deliver(bus, _consumer(db, bus, handler, store), Event.new(type=TYPE, source="/t", subject="S", data={}).encode())
    [letter] = store.letters()
    switch.fixed = True
    in_transaction.clear()
    assert store.replay(letter.id).outcome == "handled"
    assert in_transaction == [False]
    assert _effects(db) == 1


def test_the_same_message_dead_lettered_twice_is_one_letter(db: Database) -> None:
    store = DeadLetters(db=db, service=SERVICE)
    message = Message(topic=Topics.CASE, partition=2, offset=41, key="K", value=b"{}", headers={})
    store.record(GROUP, message, "first")
    store.record(GROUP, message, "second")
    [letter] = store.letters()
    assert letter.reason == "second"


def test_an_undecodable_letter_fails_to_replay_and_is_discarded_with_who_and_why(db: Database, bus: LocalBus) -> None:
    switch = Switch()
    store = DeadLetters(db=db, service=SERVICE, handlers={TYPE: switch.handle})
    _deliver(bus, _consumer(db, bus, switch.handle, store), b"not a cloud event")
    [letter] = store.letters()
    assert letter.event_id is None and letter.reason.startswith("undecodable")
    assert store.replay(letter.id).outcome == "failed"
    discarded = store.discard(letter.id, reason="测试垃圾数据", by="admin")
    assert (discarded.status, discarded.resolved_by, discarded.resolution) == ("discarded", "admin", "测试垃圾数据")
    assert store.replay(letter.id).outcome == "unchanged"
    assert store.letters() == []
    assert [d.id for d in store.letters(status="discarded")] == [letter.id]


def test_an_unknown_id_is_not_found_naming_the_field(db: Database) -> None:
    store = DeadLetters(db=db, service=SERVICE)
    with pytest.raises(NotFound) as raised:
        store.replay(12345)
    assert raised.value.field == "id"


def _cli(store: DeadLetters, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_dead_letter_commands(parser.add_subparsers(dest="command"))
    return dead_letters_command(parser.parse_args(["dead-letters", *argv]), store)


def test_the_command_lists_replays_and_discards(
    db: Database, bus: LocalBus, capsys: pytest.CaptureFixture[str]
) -> None:
    switch = Switch()
    store = DeadLetters(db=db, service=SERVICE, handlers={TYPE: switch.handle})
    consumer = _consumer(db, bus, switch.handle, store)
    event = Event.new(type=TYPE, source="/t", subject="S", data={})
    _deliver(bus, consumer, event.encode())
    _deliver(bus, consumer, b"garbage", key="K2")
    capsys.readouterr()

    assert _cli(store, "list") == 0
    table = capsys.readouterr().out
    assert f"{TYPE} {event.id}" in table and "reason: ValueError: cannot handle" in table
    assert "2 dead letter(s)" in table
    assert _cli(store, "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    first, second = rows[0]["id"], rows[1]["id"]
    assert [r["status"] for r in rows] == ["pending", "pending"]

    switch.fixed = True
    assert _cli(store, "replay", "--all") == 1  # the undecodable one still fails
    out = capsys.readouterr().out
    assert f"{first}: handled (replayed)" in out and f"{second}: failed (pending)" in out
    assert _cli(store, "replay", str(first)) == 0
    assert f"{first}: unchanged (replayed)" in capsys.readouterr().out
    assert _cli(store, "replay", "999") == 1
    assert "999 的死信" in capsys.readouterr().err
    assert _cli(store, "discard", str(second), "--reason", "not ours", "--by", "ops") == 0
    assert f"{second}: discarded" in capsys.readouterr().out
    assert _cli(store, "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert _effects(db) == 1
