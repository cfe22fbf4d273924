"""The Kafka backend against a real broker: keyed order, group offsets, redelivery."""

from __future__ import annotations

import time
import uuid

from gov_common.bus.base import Message
from gov_common.bus.kafka import KafkaBus


def _poll_until(consumer, count: int, timeout: float = 60.0) -> list[Message]:  # type: ignore[no-untyped-def]
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        got += consumer.poll(0.5)
    return got


def test_keyed_messages_arrive_in_order_and_uncommitted_ones_are_redelivered(kafka_bootstrap: str) -> None:
    bus = KafkaBus(kafka_bootstrap, client_id="test", partitions=3, namespace=f"it{uuid.uuid4().hex[:8]}.")
    try:
        bus.ensure_topics(["t"])
        assert bus.ping()
        for n in range(6):
            bus.publish("t", f"case-{n % 2}", f"{n}".encode(), {"content-type": "application/cloudevents+json"})

        first = bus.consumer("g", ["t"])
        got = _poll_until(first, 6)
        assert len(got) == 6
        assert all(m.topic == "t" for m in got)  # the namespace never leaks into the code's view
        for key in ("case-0", "case-1"):
            values = [int(m.value) for m in got if m.key == key]
            assert values == sorted(values)  # one key, one partition, one order
        assert got[0].headers["content-type"] == "application/cloudevents+json"
        for message in got:
            if int(message.value) < 4:
                first.commit(message)
        first.close()

        second = bus.consumer("g", ["t"])
        redelivered = _poll_until(second, 2)
        assert sorted(int(m.value) for m in redelivered) == [4, 5]
        for message in redelivered:
            second.commit(message)
        second.close()

        other_group = bus.consumer("h", ["t"])
        assert len(_poll_until(other_group, 6)) == 6
        other_group.close()
    finally:
        bus.close()
