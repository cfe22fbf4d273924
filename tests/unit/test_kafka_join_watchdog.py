"""The Kafka consumer's join watchdog (gov_common.bus.kafka), on a fake kafka-python consumer: a member whose
group join does not complete is closed and created anew by the EventConsumer instead of staying out of its
group (seen in CI: a SyncGroup after a rejoin that never came back); a member that has its partitions, or a
join still within its time, polls as usual."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from gov_common.bus import kafka as kafka_bus
from gov_common.bus.kafka import JOIN_STALL_SECONDS, JoinStalled, KafkaBus, KafkaBusConsumer
from gov_common.db import Database
from gov_common.messaging import EventConsumer, messaging_metadata


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeKafkaConsumer:
    """What KafkaBusConsumer uses of kafka-python's KafkaConsumer; `joins` says whether a join completes."""

    created: ClassVar[list[FakeKafkaConsumer]] = []
    joins = True

    def __init__(self, **config: Any) -> None:
        self.config = config
        self.listener: Any = None
        self.closed = False
        self.polls = 0
        FakeKafkaConsumer.created.append(self)

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.listener = listener

    def poll(self, timeout_ms: int) -> dict[Any, Any]:
        self.polls += 1
        if self.joins and self.polls == 1:
            self.listener.on_partitions_assigned({("t", 0)})
        return {}

    def close(self, autocommit: bool = True) -> None:
        self.closed = True


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeKafkaConsumer]]:
    FakeKafkaConsumer.created = []
    FakeKafkaConsumer.joins = True
    monkeypatch.setattr(kafka_bus, "KafkaConsumer", FakeKafkaConsumer)
    monkeypatch.setattr(kafka_bus, "_learn_partitions", lambda consumer, topics, seconds: True)  # no cluster here
    yield FakeKafkaConsumer


def _member(clock: Clock) -> KafkaBusConsumer:
    member = KafkaBusConsumer("127.0.0.1:9", "g", ["t"], client_id="test", namespace="ns.")
    member._rebalances = kafka_bus._Rebalances(clock)
    member._consumer.listener = member._rebalances
    return member


def test_a_join_that_does_not_complete_is_given_up_after_its_time(fake: type[FakeKafkaConsumer]) -> None:
    fake.joins = False
    clock = Clock()
    member = _member(clock)
    assert member.poll(0.1) == []  # the join is under way
    clock.now += JOIN_STALL_SECONDS - 1
    assert member.poll(0.1) == []
    clock.now += 2
    with pytest.raises(JoinStalled, match=r"ns\.g"):
        member.poll(0.1)


def test_a_member_with_its_partitions_polls_on_and_a_rejoin_is_watched_again(fake: type[FakeKafkaConsumer]) -> None:
    clock = Clock()
    member = _member(clock)
    member.poll(0.1)  # joined: assigned
    clock.now += 10 * JOIN_STALL_SECONDS
    assert member.poll(0.1) == []  # long in its group: nothing stalls
    member._rebalances.on_partitions_revoked(set())  # a rebalance begins and does not end
    clock.now += JOIN_STALL_SECONDS + 1
    with pytest.raises(JoinStalled):
        member.poll(0.1)


def test_a_lost_answer_of_the_coordinator_holds_a_member_30_s_not_305(fake: type[FakeKafkaConsumer]) -> None:
    member = KafkaBusConsumer("127.0.0.1:9", "g", ["t"], client_id="test", namespace="ns.")
    assert fake.created[-1].config["request_timeout_ms"] == kafka_bus.CONSUMER_REQUEST_TIMEOUT_MS == 30000
    member.close()


def test_the_event_consumer_starts_a_stalled_member_anew(
    fake: type[FakeKafkaConsumer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kafka_bus, "JOIN_STALL_SECONDS", -1.0)  # every join counts as stalled at once
    fake.joins = False
    db = Database(f"sqlite:///{tmp_path / 'svc.db'}")
    messaging_metadata.create_all(db.engine)
    bus = KafkaBus("127.0.0.1:9", client_id="test", namespace="ns.")  # makes no connection until used
    consumer = EventConsumer(db=db, bus=bus, group="g", topics=["t"], handlers={}, service="svc", poll_seconds=0.01)
    consumer.start()
    try:
        deadline = time.monotonic() + 30
        while len(fake.created) < 2:  # the EventConsumer waits 1 s before it makes the member anew
            assert time.monotonic() < deadline, "the stalled member was not started anew"
            time.sleep(0.05)
    finally:
        consumer.stop()
        db.dispose()
    assert fake.created[0].closed  # the stalled member left, a new one was made
