"""A Kafka consumer-group member waiting out a transient failure (issue 14): it fetches nothing while
it waits yet stays in the group and takes part in a rebalance, which it reports (Reassigned) so that
the consumer drops what it holds; rewind() then reads again from the committed offsets."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from gov_common.bus.base import Message, Reassigned
from gov_common.bus.kafka import KafkaBus

TOPIC = "t.wait.v1"


def _poll_until(member: object, count: int, timeout: float = 30.0) -> list[Message]:
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        got += member.poll(0.3)  # type: ignore[attr-defined]
    return got


def test_a_waiting_member_fetches_nothing_takes_part_in_a_rebalance_and_rewinds(kafka_bootstrap: str) -> None:
    bus = KafkaBus(kafka_bootstrap, client_id="test", partitions=2, namespace=f"it{uuid.uuid4().hex[:8]}.")
    bus.ensure_topics([TOPIC])
    for n in range(6):
        bus.publish(TOPIC, f"K{n}", f"v{n}".encode())
    waiting = bus.consumer("wait-test", [TOPIC], max_records=100)
    joining = None
    stop = threading.Event()
    try:
        held = _poll_until(waiting, 6)
        assert len(held) == 6
        committed = {}
        for message in held:  # the first message of each partition is handled, the rest are in hand
            committed.setdefault(message.partition, message)
        waiting.commit_all(list(committed.values()))

        waiting.wait(0.6)  # alone in the group: no rebalance, nothing fetched, nothing raised
        assert waiting.poll(0.3) == []

        # A second member joins while the first is waiting out a backoff.
        joining = bus.consumer("wait-test", [TOPIC], max_records=100)
        joined: list[Message] = []
        member = joining

        def run_joining() -> None:
            while not stop.is_set():
                joined.extend(member.poll(0.2))

        thread = threading.Thread(target=run_joining, daemon=True)
        thread.start()
        deadline = time.monotonic() + 45
        with pytest.raises(Reassigned):
            while time.monotonic() < deadline:
                waiting.wait(0.5)
        waiting.rewind()
        again = _poll_until(waiting, 1, timeout=5.0)
        # Between them, the two members read again everything that was not committed, from the committed offsets.
        uncommitted = {(m.partition, m.offset) for m in held} - {(m.partition, m.offset) for m in committed.values()}
        deadline = time.monotonic() + 30  # the joining member reads what is its own now
        while {(m.partition, m.offset) for m in again + joined} < uncommitted and time.monotonic() < deadline:
            again += waiting.poll(0.2)
        stop.set()
        thread.join(5)
        assert {(m.partition, m.offset) for m in again + joined} == uncommitted
        assert not {(m.partition, m.offset) for m in again} & {(m.partition, m.offset) for m in joined}
    finally:
        stop.set()
        waiting.close()
        if joining is not None:
            joining.close()
        bus.close()
