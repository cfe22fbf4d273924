"""The busy and idle fetch settings of a Kafka consumer (gov_common.bus.kafka._FetchModes), on a
stand-in for kafka-python's consumer: busy while events come at least two per busy wait, idle again
after an empty poll, and left alone where the fetcher has no settings to change (the real one:
tests/integration/test_kafka_bus.py)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from gov_common.bus.kafka import _FetchModes

IDLE = {"fetch_min_bytes": 1, "fetch_max_wait_ms": 500, "max_partition_fetch_bytes": 1 << 20}
BUSY = {"fetch_min_bytes": 65536, "fetch_max_wait_ms": 50}


def _consumer() -> SimpleNamespace:
    return SimpleNamespace(_fetcher=SimpleNamespace(config=dict(IDLE)))


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_busy_settings_hold_while_events_come_fast_and_the_idle_ones_come_back_after_an_empty_poll() -> None:
    consumer, clock = _consumer(), _Clock()
    modes = _FetchModes(consumer, busy=BUSY, clock=clock)  # type: ignore[arg-type]
    config = consumer._fetcher.config
    assert modes.min_rate == 40  # two events per busy wait of 50 ms
    # 50 events in the first second: fast enough, once a window of at least 0.5 s has been measured.
    clock.now += 0.2
    modes.after_poll(10)
    assert config == IDLE and not modes.busy
    clock.now += 0.8
    modes.after_poll(40)
    assert config == {**IDLE, **BUSY} and modes.busy and modes.rate == pytest.approx(50)
    clock.now += 0.1
    modes.after_poll(5)
    assert config == {**IDLE, **BUSY}
    # While busy a poll waits about two busy fetches, so that the first empty one ends the streak.
    assert modes.poll_ms(500) == 100 and modes.poll_ms(30) == 30
    clock.now += 0.1
    modes.after_poll(0)
    assert config == IDLE and not modes.busy
    assert modes.poll_ms(500) == 500
    # The next event finds the rate still high: busy again at once.
    clock.now += 0.01
    modes.after_poll(1)
    assert modes.busy


def test_a_trickle_of_events_keeps_the_idle_settings() -> None:
    """At 2 cases/s a consumer of every case event gets about 12 a second, often several together:
    a busy fetch would mostly wait and bring nothing."""
    consumer, clock = _consumer(), _Clock()
    modes = _FetchModes(consumer, busy=BUSY, clock=clock)  # type: ignore[arg-type]
    for _ in range(20):
        clock.now += 0.25
        modes.after_poll(3)  # 12 events/s, in threes
        assert not modes.busy and consumer._fetcher.config == IDLE
    assert modes.rate == pytest.approx(12)


def test_without_busy_settings_or_a_fetcher_to_set_the_idle_ones_stay(caplog: pytest.LogCaptureFixture) -> None:
    consumer = _consumer()
    modes = _FetchModes(consumer, busy={})  # type: ignore[arg-type]
    modes.after_poll(100)
    assert consumer._fetcher.config == IDLE
    with caplog.at_level(logging.WARNING, logger="gov_common.bus.kafka"):
        other = _FetchModes(SimpleNamespace(), busy=BUSY)  # type: ignore[arg-type]
    other.after_poll(100)
    assert not other.busy and "idle ones only" in caplog.text
