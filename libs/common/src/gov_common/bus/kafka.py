"""Apache Kafka through kafka-python."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from gov_common.bus.base import BroadcastReader, Bus, BusConsumer, Message, TopicMissing

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


class KafkaBusConsumer(BusConsumer):
    def __init__(
        self,
        bootstrap: str,
        group: str,
        topics: Sequence[str],
        client_id: str,
        namespace: str,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        self._namespace = namespace
        self._consumer = KafkaConsumer(
            *[namespace + t for t in topics],
            bootstrap_servers=bootstrap,
            **(security or {}),
            # Groups are namespaced like topics, so environments sharing a cluster never rebalance each other.
            group_id=namespace + group,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=100,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            metadata_max_age_ms=5000,
        )

    def poll(self, timeout: float) -> list[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000))
        return [_message(record, self._namespace) for records in batches.values() for record in records]

    def commit(self, message: Message) -> None:
        tp = TopicPartition(self._namespace + message.topic, message.partition)
        self._consumer.commit({tp: OffsetAndMetadata(message.offset + 1, "", -1)})

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
    kafka-python settings of the connection (`ServiceSettings.kafka_security()`: TLS, SASL)."""

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str,
        partitions: int = 3,
        replication_factor: int = 1,
        namespace: str = "",
        security: Mapping[str, Any] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.security = dict(security or {})
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
                    linger_ms=0,
                    retries=5,
                    enable_idempotence=True,
                )
            return self._producer

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        future = self._get_producer().send(
            self.namespace + topic,
            key=key.encode("utf-8"),
            value=value,
            headers=[(k, v.encode("utf-8")) for k, v in (headers or {}).items()],
        )
        future.get(timeout=30)

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer:
        return KafkaBusConsumer(self.bootstrap, group, topics, self.client_id, self.namespace, self.security)

    def broadcast_reader(self, topic: str, *, wait_for_topic: float = 30.0) -> BroadcastReader:
        return KafkaBroadcastReader(
            self.bootstrap, topic, self.client_id, self.namespace, self.security, metadata_timeout=wait_for_topic
        )

    def ensure_topics(self, topics: Sequence[str], *, config: Mapping[str, str] | None = None) -> None:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=self.client_id, **self.security)
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

    def ping(self) -> bool:
        try:
            return bool(self._get_producer().bootstrap_connected()) or self._probe()
        except Exception:
            return False

    def _probe(self) -> bool:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=self.client_id, **self.security)
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
