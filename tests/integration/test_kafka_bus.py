"""The Kafka backend against a real broker: keyed order, group offsets, redelivery."""

from __future__ import annotations

import time
import uuid

from gov_common.bus.base import Message, Outgoing
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


def test_broadcast_readers_each_read_a_compacted_topic_whole_from_its_beginning(kafka_bootstrap: str) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    namespace = f"it{uuid.uuid4().hex[:8]}."
    bus = KafkaBus(kafka_bootstrap, client_id="test", partitions=3, namespace=namespace)
    try:
        bus.ensure_topics(["facts"], config={"cleanup.policy": "compact"})
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, namespace + "facts")])
        finally:
            admin.close()
        assert configs["topic"][namespace + "facts"]["cleanup.policy"]["value"] == "compact"

        for n in range(6):
            bus.publish("facts", f"account:{n}", f"{n}".encode())
        group = bus.consumer("g", ["facts"])
        for message in _poll_until(group, 6):
            group.commit(message)  # a consumer group's offsets do not move a broadcast reader
        group.close()

        first, second = bus.broadcast_reader("facts"), bus.broadcast_reader("facts")
        try:
            for reader in (first, second):  # every partition, from the beginning, for each reader
                got = _poll_until(reader, 6)
                assert sorted(int(m.value) for m in got) == list(range(6))
                assert all(m.topic == "facts" for m in got)
                assert reader.caught_up()
            bus.publish("facts", "account:9", b"9")
            assert [m.value for m in _poll_until(first, 1)] == [b"9"]  # and each follows the topic
        finally:
            first.close()
            second.close()

        # A reader opened later (a new replica) reads everything, and only then is caught up.
        later = bus.broadcast_reader("facts")
        try:
            assert not later.caught_up()
            assert len(_poll_until(later, 7)) == 7
            assert later.caught_up()
        finally:
            later.close()
    finally:
        bus.close()


def test_a_new_member_gets_its_partitions_in_its_first_join(kafka_bootstrap: str) -> None:
    """A member of a new group on a topic just created is assigned the topic's partitions by its first join
    and is not rebalanced again when its metadata is next refreshed. kafka-python alone joined generation 1
    knowing no partition and rejoined for generation 2 once the metadata came: two rebalances per new member,
    and the second was where members hung in CI under load (KafkaBusConsumer learns the partitions first)."""
    for attempt in range(3):
        bus = KafkaBus(kafka_bootstrap, client_id="test", partitions=3, namespace=f"it{uuid.uuid4().hex[:8]}.")
        try:
            bus.ensure_topics(["t"])
            consumer = bus.consumer("g", ["t"])
            try:
                deadline = time.monotonic() + 30
                while not consumer._consumer.assignment():
                    assert time.monotonic() < deadline, "no assignment in 30 s"
                    consumer.poll(0.1)
                assert {tp.partition for tp in consumer._consumer.assignment()} == {0, 1, 2}
                joined = consumer._rebalances.count  # the first join: revoked (nothing), then assigned
                settle = time.monotonic() + 5.5  # past the next metadata refresh (metadata_max_age_ms 5000)
                while time.monotonic() < settle:
                    consumer.poll(0.2)
                assert joined == 2, f"attempt {attempt}: {joined // 2} joins before the assignment"
                assert consumer._rebalances.count == joined, f"attempt {attempt}: rebalanced after joining"
            finally:
                consumer.close()
        finally:
            bus.close()


def test_a_consumer_fetches_with_its_busy_settings_while_events_come_fast(kafka_bootstrap: str) -> None:
    """KafkaBusConsumer's busy fetch settings (`_FetchModes`) reach kafka-python's fetcher while events
    come at least two per busy wait, not for one event now and then, and give way to the idle ones after
    an empty poll. kafka-python has no public way to change them: this fails if its fetcher's settings
    are not where the consumer sets them."""
    idle = {"fetch_min_bytes": 1, "fetch_max_wait_ms": 200}
    busy = {"fetch_min_bytes": 32 * 1024, "fetch_max_wait_ms": 40}  # busy from 50 events/s
    bus = KafkaBus(
        kafka_bootstrap,
        client_id="test",
        partitions=1,
        namespace=f"it{uuid.uuid4().hex[:8]}.",
        fetch=idle,
        busy_fetch=busy,
    )
    try:
        bus.ensure_topics(["t"])
        consumer = bus.consumer("g", ["t"])
        fetcher_config = consumer._consumer._fetcher.config  # type: ignore[attr-defined]
        assert {k: fetcher_config[k] for k in idle} == idle
        for n in range(3):  # one event now and then
            bus.publish("t", "k", b"1")
            assert len(_poll_until(consumer, 1)) == 1
            assert {k: fetcher_config[k] for k in idle} == idle, f"busy after event {n}"
            time.sleep(0.3)
        # A steady flow of about 400 events/s: the busy settings within a few windows of 0.5 s.
        deadline = time.monotonic() + 15
        while {k: fetcher_config[k] for k in busy} != busy and time.monotonic() < deadline:
            bus.publish_batch([Outgoing("t", "k", b"x")] * 20)
            consumer.poll(0.05)
        assert {k: fetcher_config[k] for k in busy} == busy
        # Nothing more comes: once the backlog is read, the first poll after it ends well before the 30 s
        # asked (it waits about two busy fetches), and the idle settings are back.
        started = time.monotonic()
        while consumer.poll(30.0):
            assert time.monotonic() - started < 15
        assert time.monotonic() - started < 15
        assert {k: fetcher_config[k] for k in idle} == idle
        consumer.close()
    finally:
        bus.close()


def test_a_gathering_consumer_takes_a_steady_flow_in_batches_of_its_wait(kafka_bootstrap: str) -> None:
    """A group allowed to lag (`gather_ms`, the warehouse's) fetches with a wait that no rate shortens:
    events sent one by one, tens a second, come in batches of many, where a consumer of the idle settings
    gets them one or two at a time; and the busy settings never replace its own."""
    namespace = f"it{uuid.uuid4().hex[:8]}."
    bus = KafkaBus(
        kafka_bootstrap,
        client_id="test",
        partitions=1,
        namespace=namespace,
        linger_ms=0,
        fetch={"fetch_min_bytes": 1, "fetch_max_wait_ms": 500},
        busy_fetch={"fetch_min_bytes": 65536, "fetch_max_wait_ms": 50},
    )
    try:
        bus.ensure_topics(["t"])
        gathering = bus.consumer("warehouse", ["t"], max_records=500, gather_ms=1000)
        eager = bus.consumer("licences", ["t"])
        config = gathering._consumer._fetcher.config  # type: ignore[attr-defined]
        gathered = {"fetch_min_bytes": 512 * 1024, "fetch_max_wait_ms": 1000}
        assert {k: config[k] for k in gathered} == gathered
        for consumer in (gathering, eager):  # both members joined before the flow starts
            consumer.poll(0.5)
        batches: dict[str, list[int]] = {"gathering": [], "eager": []}
        sent = 0
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            bus.publish("t", "k", b"x")
            sent += 1
            for name, consumer in (("gathering", gathering), ("eager", eager)):
                got = consumer.poll(0.02)
                if got:
                    batches[name].append(len(got))
        for name, consumer in (("gathering", gathering), ("eager", eager)):
            batches[name] += [len(got) for got in iter(lambda c=consumer: c.poll(1.5), [])]
            assert sum(batches[name]) == sent, (name, batches[name], sent)
        # Tens of events a second for 3 s: a second's worth per gathered batch; one or two per eager one.
        assert len(batches["gathering"]) <= 6, batches
        assert len(batches["eager"]) >= 3 * len(batches["gathering"]), batches
        assert {k: config[k] for k in gathered} == gathered
        gathering.close()
        eager.close()
    finally:
        bus.close()


def test_every_client_tries_a_broker_that_is_away_at_least_once_a_second(kafka_bootstrap: str) -> None:
    """kafka-python's default backoff between attempts to reach a broker doubles up to 30 s: after a broker's restart
    the next attempt could come long after its return. Every client the bus makes caps it at 1 s."""
    from gov_common.backlog import lag_source

    bus = KafkaBus(kafka_bootstrap, client_id="test", partitions=1, namespace=f"rc{uuid.uuid4().hex[:8]}.")
    bus.ensure_topics(["t.v1"])
    consumer = bus.consumer("g", ["t.v1"])
    lag = lag_source(bus)
    assert lag is not None
    try:
        lag.measure("g", ["t.v1"])
        clients = {
            "producer": bus._get_producer(),
            "consumer": consumer._consumer,  # type: ignore[attr-defined]
            "admin": bus._admin(),
            "lag": lag._admin,  # type: ignore[attr-defined]
        }
        assert {name: c.config["reconnect_backoff_max_ms"] for name, c in clients.items()} == dict.fromkeys(
            clients, 1000
        )
        clients["admin"].close()
    finally:
        lag.close()
        consumer.close()
        bus.close()
