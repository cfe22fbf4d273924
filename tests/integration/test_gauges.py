"""The operators' gauges on real PostgreSQL and Kafka: outbox rows written while no relay runs show
in the backlog; messages a group has not consumed show as lag per partition, and none once consumed;
with the broker unreachable the lag is not measured (no series) and /metrics still answers at once;
through SASL the lag is measured with the bus's own credentials."""

from __future__ import annotations

import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gov_common.backlog import KafkaLag, ServiceGauges, lag_source
from gov_common.bus import make_bus
from gov_common.bus.kafka import KafkaBus
from gov_common.db import Database
from gov_common.events import Event
from gov_common.messaging import EventConsumer, OutboxRelay, emit, messaging_metadata
from gov_common.metrics import CONSUMER_LAG, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, SAMPLED, install_metrics
from gov_common.settings import ServiceSettings

TOPIC = "t.gauges.v1"
TYPE = "test.counted"
PARTITIONS = 3


def _event(n: int) -> Event:
    return Event.new(type=TYPE, source="/test", subject=f"S{n}", data={"n": n})


def _wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


@dataclass
class Service:
    db: Database
    bus: KafkaBus
    name: str


@pytest.fixture
def service(new_database: Callable[[str], str], kafka_bootstrap: str) -> Iterator[Service]:
    db = Database(new_database(f"gauges_{uuid.uuid4().hex[:6]}"))
    messaging_metadata.create_all(db.engine)
    bus = KafkaBus(
        kafka_bootstrap, client_id="gauges-test", partitions=PARTITIONS, namespace=f"it{uuid.uuid4().hex[:8]}."
    )
    bus.ensure_topics([TOPIC])
    yield Service(db=db, bus=bus, name=f"svc-{uuid.uuid4().hex[:6]}")
    bus.close()
    db.dispose()


def test_outbox_rows_not_yet_relayed_show_in_the_backlog(service: Service) -> None:
    gauges = ServiceGauges(service=service.name, db=service.db, bus=service.bus, readiness=dict)
    with service.db.session() as session:  # the relay is not running
        for n in range(5):
            emit(session, TOPIC, _event(n))
    time.sleep(0.05)
    gauges.refresh_outbox()
    assert SAMPLED.value(OUTBOX_BACKLOG, (service.name,)) == 5
    age = SAMPLED.value(OUTBOX_OLDEST_AGE, (service.name,))
    assert age is not None and 0.05 <= age < 30

    relay = OutboxRelay(db=service.db, bus=service.bus, service=service.name)
    assert relay.drain()
    gauges.refresh_outbox()
    assert SAMPLED.value(OUTBOX_BACKLOG, (service.name,)) == 0
    assert SAMPLED.value(OUTBOX_OLDEST_AGE, (service.name,)) == 0
    gauges.stop()


def test_the_lag_of_a_group_per_partition_and_none_once_consumed(service: Service) -> None:
    for n in range(12):
        service.bus.publish(TOPIC, f"S{n}", _event(n).encode())
    # Where the messages went, as a reader outside any group sees them.
    reader = service.bus.broadcast_reader(TOPIC)
    per_partition: Counter[int] = Counter()
    while not reader.caught_up():
        per_partition.update(m.partition for m in reader.poll(1.0))
    reader.close()
    assert sum(per_partition.values()) == 12

    group = f"g-{uuid.uuid4().hex[:6]}"
    lag = KafkaLag(service.bus)
    try:
        # Nothing consumed, nothing committed: every message of every partition is lag.
        assert lag.measure(group, [TOPIC]) == {(TOPIC, p): per_partition[p] for p in range(PARTITIONS)}

        handled: list[str] = []
        consumer = EventConsumer(
            db=service.db,
            bus=service.bus,
            group=group,
            topics=[TOPIC],
            handlers={TYPE: lambda _s, e: handled.append(e.id)},
            service=service.name,
            poll_seconds=0.1,
        )
        gauges = ServiceGauges(
            service=service.name,
            db=service.db,
            bus=service.bus,
            readiness=dict,
            consumer=consumer,
            refresh_seconds=0.2,
        )
        consumer.start()
        gauges.start()
        try:
            _wait_for(lambda: len(handled) >= 12)
            labels = [(service.name, group, TOPIC, str(p)) for p in range(PARTITIONS)]
            _wait_for(lambda: [SAMPLED.value(CONSUMER_LAG, label) for label in labels] == [0.0] * PARTITIONS)
        finally:
            gauges.stop()
            consumer.stop()
        assert lag.measure(group, [TOPIC]) == {(TOPIC, p): 0 for p in range(PARTITIONS)}
    finally:
        lag.close()


def _record(_session: Session, _event: Event) -> None:
    return None


def test_an_unreachable_broker_leaves_no_lag_and_does_not_hold_up_metrics(service: Service) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{probe.getsockname()[1]}"
    bus = KafkaBus(
        dead, client_id="gauges-dead", namespace=service.bus.namespace, security={"bootstrap_timeout_ms": 30000}
    )
    group = f"g-{uuid.uuid4().hex[:6]}"
    consumer = EventConsumer(
        db=service.db, bus=bus, group=group, topics=[TOPIC], handlers={TYPE: _record}, service=service.name
    )
    consumer.ready.set()  # as a worker whose consumer ran before the broker went away
    labels = (service.name, group, TOPIC, "0")
    SAMPLED.put(CONSUMER_LAG, (service.name, group), {labels: 7}, ttl=0.5)  # measured before the outage
    gauges = ServiceGauges(
        service=service.name,
        db=service.db,
        bus=bus,
        readiness=dict,
        consumer=consumer,
        refresh_seconds=0.1,
        ttl_factor=5,
    )
    app = FastAPI()
    token = "gauges-test-token-0123"
    install_metrics(app, service.name, token=token)
    gauges.start()  # its lag thread now waits on the broker
    try:
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            for _ in range(3):
                started = time.monotonic()
                assert client.get("/metrics").status_code == 200
                assert time.monotonic() - started < 10.0  # not the 30 s the lag thread waits on the broker
                time.sleep(0.2)
        # The value measured before the outage is not shown as if it were current.
        _wait_for(lambda: SAMPLED.value(CONSUMER_LAG, labels) is None, seconds=5)
        started = time.monotonic()
        with pytest.raises(Exception, match="bootstrap"):
            KafkaLag(bus, timeout=1.0).measure(group, [TOPIC])  # within its timeout, not the bus's 30 s
        assert time.monotonic() - started < 15.0
    finally:
        gauges.stop()
        bus.close()


def test_the_lag_is_measured_with_the_bus_credentials_through_sasl(kafka_sasl: str) -> None:
    credentials, _, bootstrap = kafka_sasl.rpartition("@")
    user, _, password = credentials.partition(":")
    settings = ServiceSettings(
        bus="kafka",
        kafka_bootstrap=bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username=user,
        kafka_sasl_password=password,
        kafka_partitions=1,
        topic_namespace=f"sasl{uuid.uuid4().hex[:8]}.",
        kafka_bootstrap_timeout_seconds=5,
    )
    bus = make_bus(settings, client_id="gauges-sasl")
    lag = lag_source(bus)
    assert isinstance(lag, KafkaLag)
    try:
        bus.ensure_topics([TOPIC])
        for n in range(3):
            bus.publish(TOPIC, f"S{n}", b"{}")
        assert lag.measure("g-sasl", [TOPIC]) == {(TOPIC, 0): 3}
    finally:
        lag.close()
        bus.close()
