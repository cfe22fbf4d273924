"""What operators alert on (docs/operations.md, "Metrics and alerts"), measured in the background.

Each service runtime measures, every `refresh_seconds` (15 s), in threads of its own:
- its outbox: unpublished events and the age of the oldest (`gov_outbox_backlog`,
  `gov_outbox_oldest_age_seconds`), one indexed query with a statement timeout;
- its readiness, as /readyz reports it (`gov_ready`);
- where its consumer runs, the lag of its group per topic and partition (`gov_consumer_lag`): the
  partition's end offset minus the group's committed offset (the log's start where the group has
  committed none), through Kafka's admin API with short timeouts; on the standalone bus, the
  messages after the group's offset.

A scrape only reads the last values (gov_common.metrics.SampledGauges). A value not measured again
within `ttl_factor` refreshes disappears: while the database or the broker is down the series of what
cannot be measured is absent rather than frozen at its last value.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, text

from gov_common.bus.base import Bus
from gov_common.db import Database, utcnow
from gov_common.messaging import EventConsumer, outbox
from gov_common.metrics import CONSUMER_LAG, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, READY, SAMPLED

log = logging.getLogger("gov_common.backlog")

REFRESH_SECONDS = 15.0
# Longest wait of one measurement on the database or the broker; the scrape never waits on it.
MEASURE_TIMEOUT_SECONDS = 5.0


def outbox_backlog(db: Database, *, timeout: float = MEASURE_TIMEOUT_SECONDS) -> tuple[int, float]:
    """Unpublished events in the outbox and the age in seconds of the oldest (0 when none)."""
    with db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
        count, oldest = session.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
        ).one()
    age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
    return int(count), age


class KafkaLag:
    """A consumer group's lag per (topic, partition) through Kafka's admin API. One admin client,
    kept between measurements and made anew after a failure."""

    def __init__(self, bus: Any, *, timeout: float = MEASURE_TIMEOUT_SECONDS) -> None:
        self.bus = bus
        self.timeout = timeout
        self._admin: Any = None

    def _client(self) -> Any:
        if self._admin is None:
            from kafka.admin import KafkaAdminClient

            from gov_common.bus.kafka import RECONNECT

            timeout_ms = int(self.timeout * 1000)
            settings = {**self.bus.security, **RECONNECT, "request_timeout_ms": timeout_ms}
            settings["bootstrap_timeout_ms"] = min(int(settings.get("bootstrap_timeout_ms", timeout_ms)), timeout_ms)
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bus.bootstrap, client_id=f"{self.bus.client_id}-lag", **settings
            )
        return self._admin

    def measure(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        from kafka import TopicPartition
        from kafka.admin import OffsetSpec

        namespace = self.bus.namespace
        try:
            admin = self._client()
            partitions = [
                TopicPartition(described["name"], p["partition_index"])
                for described in admin.describe_topics([namespace + t for t in topics])
                if described["error_code"] == 0
                for p in described["partitions"]
            ]
            if not partitions:
                return {}
            committed = admin.list_group_offsets({namespace + group: partitions}).get(namespace + group, {})
            end = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
            start = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in partitions})
        except Exception:
            self.close()
            raise
        lag = {}
        for tp in partitions:
            held = committed.get(tp)
            # No committed offset: the group starts at the log's start (auto_offset_reset=earliest).
            position = max(held.offset, start[tp].offset) if held is not None and held.offset >= 0 else start[tp].offset
            lag[(tp.topic[len(namespace) :], tp.partition)] = max(0, end[tp].offset - position)
        return lag

    def close(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:
                log.debug("closing the lag admin client", exc_info=True)
            self._admin = None


class LocalLag:
    """The standalone bus: one partition per topic, the messages after the group's offset."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus

    def measure(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        return {(topic, 0): n for topic, n in self.bus.lag(group, topics).items()}

    def close(self) -> None:
        return None


def lag_source(bus: Bus) -> KafkaLag | LocalLag | None:
    """How to measure a group's lag on `bus`; None for a bus that cannot tell."""
    from gov_common.bus.kafka import KafkaBus
    from gov_common.bus.local import LocalBus

    if isinstance(bus, LocalBus):
        return LocalLag(bus)
    if isinstance(bus, KafkaBus):
        return KafkaLag(bus)
    return None


class _Every:
    """Calls `measure` at once and then every `interval` seconds in a daemon thread until stopped;
    a failure is logged (once until it succeeds again) and tried again at the next turn."""

    def __init__(self, name: str, interval: float, measure: Callable[[], None]) -> None:
        self.name = name
        self.interval = interval
        self.measure = measure
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        failing = False
        while not self.stopping.is_set():
            try:
                self.measure()
                failing = False
            except Exception:
                log.log(logging.DEBUG if failing else logging.WARNING, "%s: measuring failed", self.name, exc_info=True)
                failing = True
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        # A measurement in progress ends within its own timeout; the daemon thread is not waited for.
        self._thread.join(timeout=1.0)


class ServiceGauges:
    """The background measurements of one service runtime (started and stopped with it)."""

    def __init__(
        self,
        *,
        service: str,
        db: Database,
        bus: Bus,
        readiness: Callable[[], Mapping[str, Any]],
        consumer: EventConsumer | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
        ttl_factor: float = 4.0,
    ) -> None:
        self.service = service
        self.db = db
        self.bus = bus
        self.readiness = readiness
        self.consumer = consumer
        self.refresh_seconds = refresh_seconds
        self.ttl_factor = ttl_factor
        self._lag: KafkaLag | LocalLag | None = None
        self._loops: list[_Every] = []

    @property
    def ttl(self) -> float:
        return self.refresh_seconds * self.ttl_factor

    def refresh_outbox(self) -> None:
        count, age = outbox_backlog(self.db)
        owner = (self.service,)
        SAMPLED.put(OUTBOX_BACKLOG, owner, {owner: count}, ttl=self.ttl)
        SAMPLED.put(OUTBOX_OLDEST_AGE, owner, {owner: age}, ttl=self.ttl)

    def refresh_ready(self) -> None:
        checks = self.readiness()
        ready = all(v for v in checks.values() if isinstance(v, bool))
        SAMPLED.put(READY, (self.service,), {(self.service,): 1.0 if ready else 0.0}, ttl=self.ttl)

    def refresh_lag(self) -> None:
        """The lag of this runtime's group, measured only in a process whose consumer runs (a worker),
        so that API processes ask the broker nothing."""
        consumer = self.consumer
        if consumer is None or not consumer.ready.is_set():
            return
        if self._lag is None:
            self._lag = lag_source(self.bus)
            if self._lag is None:
                return
        lag = self._lag.measure(consumer.group, consumer.topics)
        owner = (self.service, consumer.group)
        series: dict[tuple[str, ...], float] = {
            (self.service, consumer.group, topic, str(partition)): n for (topic, partition), n in lag.items()
        }
        SAMPLED.put(CONSUMER_LAG, owner, series, ttl=self.ttl)

    def start(self) -> None:
        if self._loops:
            return
        self._loops = [
            _Every(f"{self.service}-gauges-outbox", self.refresh_seconds, self.refresh_outbox),
            _Every(f"{self.service}-gauges-ready", self.refresh_seconds, self.refresh_ready),
        ]
        if self.consumer is not None:
            self._loops.append(_Every(f"{self.service}-gauges-lag", self.refresh_seconds, self.refresh_lag))
        for loop in self._loops:
            loop.start()

    def stop(self) -> None:
        for loop in self._loops:
            loop.stopping.set()
        for loop in self._loops:
            loop.stop()
        self._loops = []
        if self._lag is not None:
            self._lag.close()
            self._lag = None
        SAMPLED.drop((self.service,))
