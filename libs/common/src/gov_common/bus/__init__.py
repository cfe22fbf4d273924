"""Two bus backends behind one interface, with the same delivery semantics.

At-least-once delivery, order kept per key, offsets committed by the consumer only after
it has handled a message, one delivery per consumer group.
"""

from __future__ import annotations

from gov_common.bus.base import BroadcastReader, Bus, BusConsumer, Message, Outgoing, Reassigned
from gov_common.settings import ServiceSettings


def make_bus(settings: ServiceSettings, client_id: str) -> Bus:
    if settings.bus == "kafka":
        from gov_common.bus.kafka import KafkaBus

        return KafkaBus(
            settings.kafka_bootstrap,
            client_id=client_id,
            partitions=settings.kafka_partitions,
            replication_factor=settings.kafka_replication_factor,
            namespace=settings.topic_namespace,
            security={
                **settings.kafka_security(),
                "bootstrap_timeout_ms": int(settings.kafka_bootstrap_timeout_seconds * 1000),
            },
            linger_ms=settings.kafka_linger_ms,
            batch_size=settings.kafka_batch_size,
            fetch={
                "fetch_min_bytes": settings.consumer_fetch_min_bytes,
                "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms,
                "max_partition_fetch_bytes": settings.consumer_max_partition_fetch_bytes,
            },
            busy_fetch=(
                {
                    "fetch_min_bytes": settings.consumer_busy_fetch_min_bytes,
                    "fetch_max_wait_ms": settings.consumer_busy_fetch_max_wait_ms,
                }
                if settings.consumer_busy_fetch_max_wait_ms > 0
                else {}
            ),
        )
    from gov_common.bus.local import LocalBus

    return LocalBus(settings.local_bus_path)


__all__ = ["BroadcastReader", "Bus", "BusConsumer", "Message", "Outgoing", "Reassigned", "make_bus"]
