"""Two bus backends behind one interface, with the same delivery semantics.

At-least-once delivery, order kept per key, offsets committed by the consumer only after
it has handled a message, one delivery per consumer group.
"""

from __future__ import annotations

from gov_common.bus.base import BroadcastReader, Bus, BusConsumer, Message
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
            security=settings.kafka_security(),
        )
    from gov_common.bus.local import LocalBus

    return LocalBus(settings.local_bus_path)


__all__ = ["BroadcastReader", "Bus", "BusConsumer", "Message", "make_bus"]
