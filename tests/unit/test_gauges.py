"""The operators' gauges (gov_common.backlog, gov_common.metrics) on the standalone backends: the outbox
backlog and its oldest age, the consumer lag of the in-process bus, readiness; values that expire when
they cannot be measured again; a scrape that never waits on a measurement; the multiprocess /metrics;
and a load-shedding 503 counted by the HTTP metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.orm import Session

from gov_common.backlog import LocalLag, ServiceGauges
from gov_common.bus.local import LocalBus
from gov_common.db import Database, utcnow
from gov_common.events import Event, Topics
from gov_common.messaging import EventConsumer, OutboxRelay, emit, messaging_metadata, outbox
from gov_common.metrics import (
    CONSUMER_LAG,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    READY,
    SAMPLED,
    SampledGauges,
    install_metrics,
)
from tests.loopback import serving


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'svc.db'}")
    messaging_metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def bus(tmp_path: Path) -> LocalBus:
    return LocalBus(str(tmp_path / "bus.db"))


def _event(n: int) -> Event:
    return Event.new(type="test.happened", source="/test", subject=f"S{n}", data={"n": n})


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def _scraped(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


TOKEN = "gauges-test-token-0123"


def _metrics_client(service: str) -> TestClient:
    app = FastAPI()
    install_metrics(app, service, token=TOKEN)
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})


def _gauges(db: Database, bus: LocalBus, service: str, **kwargs: Any) -> ServiceGauges:
    return ServiceGauges(service=service, db=db, bus=bus, readiness=lambda: {"database": db.ping()}, **kwargs)


def test_the_outbox_backlog_counts_unpublished_events_and_ages_the_oldest(db: Database, bus: LocalBus) -> None:
    gauges = _gauges(db, bus, "svc-outbox")
    with db.session() as session:
        for n in range(3):
            emit(session, Topics.CASE, _event(n))
        session.execute(update(outbox).where(outbox.c.id == 1).values(created_at=utcnow() - timedelta(minutes=7)))
    gauges.refresh_outbox()
    assert SAMPLED.value(OUTBOX_BACKLOG, ("svc-outbox",)) == 3
    age = SAMPLED.value(OUTBOX_OLDEST_AGE, ("svc-outbox",))
    assert age is not None and 420 <= age < 430

    OutboxRelay(db=db, bus=bus, service="svc-outbox").publish_pending()
    gauges.refresh_outbox()
    assert SAMPLED.value(OUTBOX_BACKLOG, ("svc-outbox",)) == 0
    assert SAMPLED.value(OUTBOX_OLDEST_AGE, ("svc-outbox",)) == 0
    gauges.stop()
    assert SAMPLED.value(OUTBOX_BACKLOG, ("svc-outbox",)) is None  # a stopped runtime shows nothing


def test_the_local_bus_lag_is_what_the_group_has_not_committed(bus: LocalBus) -> None:
    for n in range(4):
        bus.publish(Topics.CASE, f"S{n}", b"{}")
    bus.publish(Topics.LICENSE, "L", b"{}")
    lag = LocalLag(bus)
    assert lag.measure("g", [Topics.CASE, Topics.LICENSE]) == {(Topics.CASE, 0): 4, (Topics.LICENSE, 0): 1}
    member = bus.consumer("g", [Topics.CASE])
    messages = member.poll(0.1)
    member.commit(messages[1])  # the first two handled
    assert lag.measure("g", [Topics.CASE, Topics.LICENSE]) == {(Topics.CASE, 0): 2, (Topics.LICENSE, 0): 1}
    assert lag.measure("other", [Topics.CASE]) == {(Topics.CASE, 0): 4}


def test_a_running_consumer_reports_its_lag_and_readiness(db: Database, bus: LocalBus) -> None:
    handled = threading.Event()
    release = threading.Event()

    def handler(_session: Session, _event: Event) -> None:
        handled.set()
        release.wait(10)

    for n in range(3):
        bus.publish(Topics.CASE, f"S{n}", _event(n).encode())
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="g-lag",
        topics=[Topics.CASE],
        handlers={"test.happened": handler},
        service="svc-lag",
        poll_seconds=0.05,
        max_batch=1,
    )
    gauges = _gauges(db, bus, "svc-lag", consumer=consumer, refresh_seconds=0.05)
    labels = ("svc-lag", "g-lag", Topics.CASE, "0")
    consumer.start()
    gauges.start()
    try:
        assert handled.wait(10)
        _wait_for(lambda: SAMPLED.value(CONSUMER_LAG, labels) == 3)  # the first one is in hand, uncommitted
        _wait_for(lambda: SAMPLED.value(READY, ("svc-lag",)) == 1)  # measured on its own thread
        release.set()
        _wait_for(lambda: SAMPLED.value(CONSUMER_LAG, labels) == 0)
    finally:
        release.set()
        gauges.stop()
        consumer.stop()


def test_an_api_process_without_its_consumer_running_reports_no_lag(db: Database, bus: LocalBus) -> None:
    bus.publish(Topics.CASE, "S", b"{}")
    consumer = EventConsumer(db=db, bus=bus, group="g-api", topics=[Topics.CASE], handlers={}, service="svc-api")
    gauges = _gauges(db, bus, "svc-api", consumer=consumer)
    gauges.refresh_lag()  # never started: `serve --no-worker`
    assert SAMPLED.value(CONSUMER_LAG, ("svc-api", "g-api", Topics.CASE, "0")) is None


def test_a_value_not_measured_again_expires() -> None:
    gauges = SampledGauges()
    name = gauges.define("t_gauge", "test", ["service", "group"])
    gauges.put(name, ("s", "g1"), {("s", "g1"): 5}, ttl=0.2)
    gauges.put(name, ("s", "g2"), {("s", "g2"): 7}, ttl=30)
    registry = CollectorRegistry()
    registry.register(gauges)
    scraped = _scraped(generate_latest(registry).decode())
    assert scraped[("t_gauge", (("group", "g1"), ("service", "s")))] == 5
    time.sleep(0.3)
    scraped = _scraped(generate_latest(registry).decode())
    assert ("t_gauge", (("group", "g1"), ("service", "s"))) not in scraped
    assert scraped[("t_gauge", (("group", "g2"), ("service", "s")))] == 7
    gauges.put(name, ("s", "g2"), {}, ttl=30)  # a measurement that found nothing replaces the old series
    assert not [s for f in gauges.collect() for s in f.samples]


def test_a_failing_measurement_leaves_no_stale_value_and_the_scrape_does_not_wait(db: Database, bus: LocalBus) -> None:
    stuck = threading.Event()
    hanging = threading.Event()
    calls = 0

    def readiness() -> dict[str, bool]:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"database": True}
        hanging.set()
        stuck.wait(120)  # a dependency that does not answer, until the test is over
        hanging.clear()
        return {"database": False}

    # A value lives 100 refreshes (5 s): long enough to be scraped on a busy machine, short for the test.
    gauges = ServiceGauges(
        service="svc-stuck", db=db, bus=bus, readiness=readiness, refresh_seconds=0.05, ttl_factor=100
    )
    gauges.start()
    try:
        _wait_for(hanging.is_set, seconds=60)
        with _metrics_client("svc-stuck") as client:

            def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
                scraped = _scraped(client.get("/metrics").text)
                # Served while the measurement still hangs: the scrape did not wait for it (however slow the
                # machine, the hanging measurement only ends when the test sets `stuck`).
                assert hanging.is_set()
                return scraped

            assert scrape().get(("gov_ready", (("service", "svc-stuck"),))) == 1.0  # the last measurement
            # Not measured again since: the value goes once its time is up, rather than stay frozen.
            _wait_for(lambda: ("gov_ready", (("service", "svc-stuck"),)) not in scrape(), seconds=60)
    finally:
        stuck.set()
        gauges.stop()


def test_multiprocess_metrics_include_the_sampled_gauges(
    db: Database, bus: LocalBus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "prometheus").mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prometheus"))
    gauges = _gauges(db, bus, "svc-multi")
    with db.session() as session:
        emit(session, Topics.CASE, _event(1))
    gauges.refresh_outbox()
    try:
        with _metrics_client("svc-multi") as client:
            scraped = _scraped(client.get("/metrics").text)
        assert scraped[("gov_outbox_backlog", (("service", "svc-multi"),))] == 1
    finally:
        gauges.stop()


def test_a_load_shedding_503_is_counted(tmp_path: Path) -> None:
    from gov_common.load_shedding import AdmissionLimit

    app = FastAPI()
    install_metrics(app, "svc-shed")
    app.add_middleware(AdmissionLimit, limit=1, wait_seconds=0.05, retry_after=1)  # outside the metrics' place
    gate, entered = threading.Event(), threading.Event()

    @app.get("/slow")
    def slow() -> dict[str, str]:
        entered.set()
        gate.wait(5)
        return {}

    def shed_count(client: httpx.Client) -> float:
        key = (
            "gov_http_requests_total",
            (("method", "GET"), ("route", "unmatched"), ("service", "svc-shed"), ("status", "503")),
        )
        return _scraped(client.get("/metrics").text).get(key, 0.0)

    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        before = shed_count(client)
        holder = threading.Thread(target=lambda: httpx.get(f"{url}/slow", timeout=10))
        holder.start()
        try:
            assert entered.wait(5)
            assert client.get("/slow").status_code == 503
        finally:
            gate.set()
            holder.join()
        assert shed_count(client) >= before + 1
