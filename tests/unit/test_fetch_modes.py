"""The busy and idle fetch settings of a Kafka consumer (gov_common.bus.kafka._FetchModes), on a
stand-in for kafka-python's consumer: switched only when a poll's outcome changes, and left alone
where the fetcher has no settings to change (the real one: tests/integration/test_kafka_bus.py)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from gov_common.bus.kafka import _FetchModes

IDLE = {"fetch_min_bytes": 1, "fetch_max_wait_ms": 500, "max_partition_fetch_bytes": 1 << 20}
BUSY = {"fetch_min_bytes": 65536, "fetch_max_wait_ms": 50}


def _consumer() -> SimpleNamespace:
    return SimpleNamespace(_fetcher=SimpleNamespace(config=dict(IDLE)))


def test_busy_settings_hold_while_polls_bring_events_and_the_idle_ones_come_back_after_an_empty_poll() -> None:
    consumer = _consumer()
    modes = _FetchModes(consumer, busy=BUSY)  # type: ignore[arg-type]
    config = consumer._fetcher.config
    modes.after_poll(busy=True)
    assert config == {**IDLE, **BUSY} and modes.busy
    modes.after_poll(busy=True)
    assert config == {**IDLE, **BUSY}
    # While busy a poll waits about two busy fetches, so that the first empty one ends the streak.
    assert modes.poll_ms(500) == 100 and modes.poll_ms(30) == 30
    modes.after_poll(busy=False)
    assert config == IDLE and not modes.busy
    assert modes.poll_ms(500) == 500


def test_without_busy_settings_or_a_fetcher_to_set_the_idle_ones_stay(caplog: pytest.LogCaptureFixture) -> None:
    consumer = _consumer()
    modes = _FetchModes(consumer, busy={})  # type: ignore[arg-type]
    modes.after_poll(busy=True)
    assert consumer._fetcher.config == IDLE
    with caplog.at_level(logging.WARNING, logger="gov_common.bus.kafka"):
        other = _FetchModes(SimpleNamespace(), busy=BUSY)  # type: ignore[arg-type]
    other.after_poll(busy=True)
    assert not other.busy and "idle ones only" in caplog.text
