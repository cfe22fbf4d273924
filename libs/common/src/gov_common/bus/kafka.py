"""Apache Kafka through kafka-python."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    TopicAlreadyExistsError,
    UnknownMemberIdError,
)
from kafka.structs import OffsetAndMetadata

from gov_common.bus.base import (
    BroadcastReader,
    Bus,
    BusConsumer,
    Message,
    Outgoing,
    Reassigned,
    TopicMissing,
    last_per_partition,
)

log = logging.getLogger("gov_common.bus.kafka")


def _message(record: Any, namespace: str) -> Message:
    return Message(
        topic=record.topic[len(namespace) :],
        partition=record.partition,
        offset=record.offset,
        key=record.key.decode("utf-8") if record.key is not None else None,
        value=record.value,
        headers={k: v.decode("utf-8", "replace") for k, v in (record.headers or [])},
    )


# A commit that the group's coordinator does not acknowledge within this fails (the consumer retries
# it) instead of blocking a stopping consumer for kafka-python's request timeout.
COMMIT_TIMEOUT_MS = 5000
# The group was rebalanced under this member: its uncommitted messages may be another member's now.
_REBALANCED = (CommitFailedError, RebalanceInProgressError, IllegalGenerationError, UnknownMemberIdError)


# kafka-python's own request timeout for consumers is 305 s: a SyncGroup whose answer is lost (seen in CI
# under load: a rejoin after a metadata change hung there) would hold the member out of its group that
# long. A join itself may wait up to the rebalance timeout; kafka-python gives it that much on its own.
CONSUMER_REQUEST_TIMEOUT_MS = 30000
# A member whose group join (revoked → assigned) has not completed in this long is closed and created
# anew (JoinStalled), as an operator would restart it: a hung join must not strand the service's events.
JOIN_STALL_SECONDS = 60.0


# How long a new member waits to learn its topics' partitions before it joins its group (see below).
PARTITIONS_BEFORE_JOIN_SECONDS = 5.0
# kafka-python's own metrics (sensors recorded on every request, batch and record) are read by nothing
# here: lag and backlog are measured by backlog.py, sends by the relay. Off, they no longer cost each
# process 1.5-3 % of its CPU (py-spy, `make bench` at 15 cases/s).
CLIENT_METRICS: dict[str, Any] = {"metrics_enabled": False}
# kafka-python waits longer and longer between attempts to reach a broker that is away, doubling from 50 ms up to
# 30 s by default: after a broker's restart of 10-15 s (`make chaos`: the JVM's start and its log recovery) the next
# attempt could come seconds to tens of seconds after its return, while the outboxes fill. Capped at 1 s, a client
# tries once a second while the broker is away and finds it within about a second of its return. Every client of
# the platform (consumers, producer, admins) takes it.
RECONNECT: dict[str, Any] = {"reconnect_backoff_max_ms": 1000}
# What a gathering consumer's fetch (Bus.consumer's gather_ms) waits for at most: more than its wait
# brings at any rate the platform carries (about 2 KB an event), less than a partition's fetch.
GATHER_FETCH_MIN_BYTES = 512 * 1024


def _learn_partitions(consumer: KafkaConsumer, topics: Sequence[str], seconds: float) -> bool:
    """Fetch the subscribed topics' metadata into the consumer before its first poll, so that its first
    join already assigns their partitions.

    Otherwise kafka-python's first JoinGroup (in the first poll) races the metadata request subscribe()
    makes: the member usually joins generation 1 knowing no partition ("No partition metadata", assignment
    []), then rejoins for generation 2 as soon as the metadata arrives. Every new member cost its group two
    rebalances, and in CI under load that second join was where a member hung (the coordinator completed
    generation 2, the client never took the assignment). Bounded: with the broker unreachable the member
    goes on after `seconds` and learns its partitions the old way. Uses kafka-python's cluster metadata
    (`_cluster`, kafka-python 3.0.12 as pinned); tests/integration/test_kafka_bus.py checks the single join.
    The metadata future resolves on the IO thread just before the coordinator's listener runs there, so
    the join that the first poll schedules on that thread comes after the listener.
    """
    # The group coordinator takes its view of the subscribed partitions from each metadata update after
    # subscribe() (one that came before it leaves the view empty and costs the rebalance anyway), so at
    # least one update is awaited, and more until every topic has its partitions.
    cluster = consumer._cluster
    deadline = time.monotonic() + seconds
    while True:
        future = cluster.request_update()
        while not future.is_done and time.monotonic() < deadline:
            time.sleep(0.01)
        if future.is_done and future.succeeded() and all(cluster.partitions_for_topic(t) for t in topics):
            return True
        if time.monotonic() >= deadline:
            log.info("partitions of %s not known after %.0f s; joining without them", list(topics), seconds)
            return False
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


class JoinStalled(KafkaError):  # type: ignore[misc]
    """The member's group join has not completed within JOIN_STALL_SECONDS."""


class _Rebalances(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, clock: Any = time.monotonic) -> None:
        self.count = 0
        self._clock = clock
        self.joining_since: float | None = clock()  # the first join is under way from the start

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.count += 1
        if self.joining_since is None:
            self.joining_since = self._clock()

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.count += 1
        self.joining_since = None

    def stalled_for(self) -> float:
        return 0.0 if self.joining_since is None else self._clock() - self.joining_since


class _FetchModes:
    """Two sets of fetch settings for one consumer: the idle ones it was made with (`fetch_min_bytes` 1:
    the broker answers a fetch as soon as one event is there, and holds it up to `fetch_max_wait_ms`
    otherwise) and the busy ones (`busy`: wait up to tens of milliseconds for tens of kilobytes), in force
    while events come fast enough for a busy fetch to gather several of them: at least
    BUSY_EVENTS_PER_WAIT in one busy `fetch_max_wait_ms`, over the last RATE_WINDOW_SECONDS or more, and
    the last poll brought some. Without busy settings: the idle ones always.

    Under a steady 15 cases/s a fetch per event or two made the consumers' fetches, poll batches and
    offset commits (kafka-python's Python code, the broker's requests, a transaction each) about a tenth
    of the platform's CPU, which the busy settings save; at a trickle they cost about as much more, in
    fetches that wait and bring nothing (docs/messaging.md), hence the rate they wait for: below it (up
    to about 5 cases/s on the machine of `make bench`) nothing changes.

    kafka-python reads its fetcher's settings at each fetch but has no public way to change them after
    construction: this sets them on the consumer's `_fetcher.config` (kafka-python 3.0; if that is not
    there, the idle settings stay in force and each consumer says so in a warning when it is made)."""

    RATE_WINDOW_SECONDS = 0.5
    BUSY_EVENTS_PER_WAIT = 2

    def __init__(self, consumer: KafkaConsumer, *, busy: Mapping[str, int], clock: Any = time.monotonic) -> None:
        fetcher = getattr(consumer, "_fetcher", None)
        config = getattr(fetcher, "config", None)
        self._config: dict[str, Any] | None = None
        self._idle: dict[str, int] = {}
        self._busy = dict(busy)
        self._clock = clock
        self.busy = False
        # Events per second that make waiting worth it; without a busy wait, any steady flow.
        wait_ms = self._busy.get("fetch_max_wait_ms", 0)
        self.min_rate = self.BUSY_EVENTS_PER_WAIT * 1000 / wait_ms if wait_ms > 0 else 0.0
        self.rate = 0.0
        self._window_started = clock()
        self._window_events = 0
        if not self._busy:
            return
        if not isinstance(config, dict) or not all(k in config for k in self._busy):
            log.warning("kafka-python's fetcher has no settings to change; fetching with the idle ones only")
            return
        self._config = config
        self._idle = {k: config[k] for k in self._busy}

    def after_poll(self, events: int) -> None:
        if self._config is None:
            return
        self._window_events += events
        now = self._clock()
        elapsed = now - self._window_started
        if elapsed >= self.RATE_WINDOW_SECONDS:
            self.rate = self._window_events / elapsed
            self._window_started, self._window_events = now, 0
        busy = events > 0 and self.rate >= self.min_rate
        if busy == self.busy:
            return
        self.busy = busy
        self._config.update(self._busy if busy else self._idle)

    def poll_ms(self, requested_ms: int) -> int:
        """How long the next poll may wait: while busy, about two busy fetches, so that the first empty
        poll after a streak of events brings the idle settings back at once. Otherwise a trickle of events
        (one every few hundred milliseconds, as in a quiet hour or a test) would keep a consumer fetching
        every `fetch_max_wait_ms` of the busy settings for whole polls in between."""
        if not self.busy:
            return requested_ms
        return min(requested_ms, max(20, 2 * self._busy.get("fetch_max_wait_ms", 0)))


class KafkaBusConsumer(BusConsumer):
    def __init__(
        self,
        bootstrap: str,
        group: str,
        topics: Sequence[str],
        client_id: str,
        namespace: str,
        security: Mapping[str, Any] | None = None,
        max_records: int = 100,
        fetch: Mapping[str, int] | None = None,
        busy_fetch: Mapping[str, int] | None = None,
    ) -> None:
        self._namespace = namespace
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            **(security or {}),
            **(fetch or {}),
            # Groups are namespaced like topics, so environments sharing a cluster never rebalance each other.
            group_id=namespace + group,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_records,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            metadata_max_age_ms=5000,
            request_timeout_ms=CONSUMER_REQUEST_TIMEOUT_MS,
            **CLIENT_METRICS,
            **RECONNECT,
        )
        self._group = namespace + group
        self._rebalances = _Rebalances()
        self._fetch_modes = _FetchModes(self._consumer, busy=busy_fetch or {})
        names = [namespace + t for t in topics]
        try:
            self._consumer.subscribe(topics=names, listener=self._rebalances)
            _learn_partitions(self._consumer, names, PARTITIONS_BEFORE_JOIN_SECONDS)
        except BaseException:
            self._consumer.close(autocommit=False)
            raise

    def poll(self, timeout: float) -> list[Message]:
        stalled = self._rebalances.stalled_for()
        if stalled > JOIN_STALL_SECONDS:
            log.warning("consumer group %s: the join has not completed in %.0f s; starting anew", self._group, stalled)
            raise JoinStalled(f"group {self._group}: no assignment {stalled:.0f} s after the join began")
        batches = self._consumer.poll(timeout_ms=self._fetch_modes.poll_ms(int(timeout * 1000)))
        self._fetch_modes.after_poll(sum(len(records) for records in batches.values()))
        return [_message(record, self._namespace) for records in batches.values() for record in records]

    def commit(self, message: Message) -> None:
        self.commit_all([message])

    def commit_all(self, messages: Sequence[Message]) -> None:
        offsets = {
            TopicPartition(self._namespace + topic, partition): OffsetAndMetadata(message.offset + 1, "", -1)
            for (topic, partition), message in last_per_partition(messages).items()
        }
        if not offsets:
            return
        try:
            self._consumer.commit(offsets, timeout_ms=COMMIT_TIMEOUT_MS)
        except _REBALANCED as exc:
            raise Reassigned(f"offsets not committed: {exc!r}") from exc

    def wait(self, seconds: float) -> None:
        # Polling with every partition paused fetches nothing but keeps the membership (the poll
        # interval) and takes part in rebalances; a partition assigned during it is not paused yet,
        # and what it returns is read again after rewind().
        before = self._rebalances.count
        assigned = self._consumer.assignment()
        self._consumer.pause(*assigned)
        try:
            got = self._consumer.poll(timeout_ms=max(1, int(seconds * 1000)))
        finally:
            self._consumer.resume(*[tp for tp in assigned if tp in self._consumer.assignment()])
        if got or self._rebalances.count != before:
            raise Reassigned("the group was rebalanced")

    def rewind(self) -> None:
        for tp in self._consumer.assignment():
            committed = self._consumer.committed(tp, timeout_ms=COMMIT_TIMEOUT_MS)
            if committed is None:
                self._consumer.seek_to_beginning(tp)  # as auto_offset_reset="earliest" would
            else:
                self._consumer.seek(tp, committed)
        self._consumer.resume(*self._consumer.paused())

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class KafkaBroadcastReader(BroadcastReader):
    """Outside any group: every partition assigned by hand and read from its beginning."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        client_id: str,
        namespace: str,
        security: Mapping[str, Any] | None = None,
        metadata_timeout: float = 30.0,
    ) -> None:
        self._namespace = namespace
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            **(security or {}),
            group_id=None,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=500,
            metadata_max_age_ms=5000,
            **CLIENT_METRICS,
            **RECONNECT,
        )
        try:
            name = namespace + topic
            deadline = time.monotonic() + metadata_timeout
            partitions = self._consumer.partitions_for_topic(name)
            while not partitions and time.monotonic() < deadline:
                time.sleep(0.2)  # a topic created a moment ago is not in every broker's metadata yet
                partitions = self._consumer.partitions_for_topic(name)
            if not partitions:
                raise TopicMissing(f"topic {name} has no partitions (does it exist?)")
            self._partitions = [TopicPartition(name, p) for p in sorted(partitions)]
            self._consumer.assign(self._partitions)
            self._consumer.seek_to_beginning(*self._partitions)
            self._end = self._consumer.end_offsets(self._partitions)
        except Exception:
            self._consumer.close(autocommit=False)
            raise
        self._caught_up = False

    def poll(self, timeout: float) -> list[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000))
        return [_message(record, self._namespace) for records in batches.values() for record in records]

    def caught_up(self) -> bool:
        # The position, not the last offset seen: compaction and control records leave gaps.
        if not self._caught_up:
            self._caught_up = all(self._consumer.position(tp) >= self._end[tp] for tp in self._partitions)
        return self._caught_up

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class KafkaBus(Bus):
    """`namespace` prefixes every topic name on the broker, so that several environments (or test
    runs) can share one cluster while the code speaks of `gov.case.v1` only. `security` holds the
    kafka-python settings of the connection (`ServiceSettings.kafka_security()`: TLS, SASL).

    The producer is idempotent with acks from all in-sync replicas; it lingers `linger_ms` to fill
    batches of up to `batch_size` bytes per partition, with at most five requests in flight per
    broker, which idempotence keeps in order. `fetch` holds the consumers' fetch settings
    (`fetch_min_bytes`, `fetch_max_wait_ms`, `max_partition_fetch_bytes`), `busy_fetch` those in force
    while a consumer's polls bring events (`_FetchModes`)."""

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str,
        partitions: int = 3,
        replication_factor: int = 1,
        namespace: str = "",
        security: Mapping[str, Any] | None = None,
        linger_ms: int = 5,
        batch_size: int = 64 * 1024,
        fetch: Mapping[str, int] | None = None,
        busy_fetch: Mapping[str, int] | None = None,
        send_timeout_seconds: float = 30.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.security = dict(security or {})
        self.linger_ms = linger_ms
        self.batch_size = batch_size
        self.fetch = dict(fetch or {})
        self.busy_fetch = dict(busy_fetch or {})
        self.send_timeout_seconds = send_timeout_seconds
        self.namespace = namespace
        self.client_id = client_id
        self.partitions = partitions
        self.replication_factor = replication_factor
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    **self.security,
                    acks="all",
                    enable_idempotence=True,
                    # Idempotence keeps each partition's order with up to five requests in flight.
                    max_in_flight_requests_per_connection=5,
                    linger_ms=self.linger_ms,
                    batch_size=self.batch_size,
                    # Retried until then; a send not acknowledged by then fails (the relay sends again).
                    delivery_timeout_ms=int(self.send_timeout_seconds * 1000),
                    request_timeout_ms=max(1000, int(self.send_timeout_seconds * 500)),
                    **CLIENT_METRICS,
                    **RECONNECT,
                )
            return self._producer

    def _send(self, producer: KafkaProducer, topic: str, key: str, value: bytes, headers: Mapping[str, str]) -> Any:
        return producer.send(
            self.namespace + topic,
            key=key.encode("utf-8"),
            value=value,
            headers=[(k, v.encode("utf-8")) for k, v in headers.items()],
        )

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        # One message waits out the linger; a flush here would also wait for other threads' batches.
        future = self._send(self._get_producer(), topic, key, value, headers or {})
        future.get(timeout=self.send_timeout_seconds)

    def publish_batch(self, messages: Sequence[Outgoing]) -> None:
        if not messages:
            return
        producer = self._get_producer()
        futures = [self._send(producer, m.topic, m.key, m.value, m.headers) for m in messages]
        producer.flush(timeout=self.send_timeout_seconds)
        for future in futures:
            future.get(timeout=self.send_timeout_seconds)  # raises the first failure

    def consumer(self, group: str, topics: Sequence[str], *, max_records: int = 100, gather_ms: int = 0) -> BusConsumer:
        fetch, busy_fetch = self.fetch, self.busy_fetch
        if gather_ms > 0:
            # Every fetch waits up to gather_ms unless GATHER_FETCH_MIN_BYTES are there sooner (a backlog):
            # a batch, one transaction and one offset commit for each gather_ms of events.
            fetch = {**fetch, "fetch_min_bytes": GATHER_FETCH_MIN_BYTES, "fetch_max_wait_ms": gather_ms}
            busy_fetch = {}
        return KafkaBusConsumer(
            self.bootstrap,
            group,
            topics,
            self.client_id,
            self.namespace,
            self.security,
            max_records=max_records,
            fetch=fetch,
            busy_fetch=busy_fetch,
        )

    def broadcast_reader(self, topic: str, *, wait_for_topic: float = 30.0) -> BroadcastReader:
        return KafkaBroadcastReader(
            self.bootstrap, topic, self.client_id, self.namespace, self.security, metadata_timeout=wait_for_topic
        )

    def _admin(self) -> KafkaAdminClient:
        return KafkaAdminClient(
            bootstrap_servers=self.bootstrap, client_id=self.client_id, **self.security, **RECONNECT
        )

    def ensure_topics(self, topics: Sequence[str], *, config: Mapping[str, str] | None = None) -> None:
        admin = self._admin()
        try:
            existing = set(admin.list_topics())
            missing = [self.namespace + t for t in topics if self.namespace + t not in existing]
            for topic in missing:
                try:
                    admin.create_topics(
                        {
                            topic: {
                                "num_partitions": self.partitions,
                                "replication_factor": self.replication_factor,
                                "configs": dict(config or {}),
                            }
                        },
                        wait_for_metadata=True,
                    )
                    log.info("created topic %s", topic)
                except TopicAlreadyExistsError:
                    pass
            present = [self.namespace + t for t in topics if self.namespace + t not in missing]
            self._warn_fewer_partitions(admin, present)
            if config and present:
                # A topic made earlier (or by hand) without the configuration gets it now. Where an
                # operator owns the topics (Strimzi's KafkaTopic) the user may not alter them: theirs to set.
                try:
                    admin.alter_configs(
                        [ConfigResource(ConfigResourceType.TOPIC, topic, configs=dict(config)) for topic in present]
                    )
                except KafkaError as exc:
                    log.warning("could not set %s on %s (%s); the topic's owner must", dict(config), present, exc)
        finally:
            admin.close()

    def _warn_fewer_partitions(self, admin: KafkaAdminClient, topics: Sequence[str]) -> None:
        """Partitions are never added here: that would move keys to other partitions while some of
        their events are still unread, and break their order. An operator adds them when the topic is
        drained (kafka-topics --alter --partitions)."""
        if not topics:
            return
        try:
            described = admin.describe_topics(list(topics))
        except KafkaError as exc:
            log.warning("could not describe %s: %s", list(topics), exc)
            return
        for topic in described:
            count = len(topic.get("partitions") or [])
            if 0 < count < self.partitions:
                log.warning(
                    "topic %s has %d partitions, fewer than the %d configured (KAFKA_PARTITIONS); "
                    "add them when it is drained",
                    topic.get("topic"),
                    count,
                    self.partitions,
                )

    def ping(self) -> bool:
        try:
            return bool(self._get_producer().bootstrap_connected()) or self._probe()
        except Exception:
            return False

    def _probe(self) -> bool:
        admin = self._admin()
        try:
            admin.list_topics()
            return True
        finally:
            admin.close()

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None
