"""Looking inside a distributed platform's business systems for the tests of issue 5: the events
on Kafka (read with a group of our own) and a department's own database."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import create_engine, text

from gov_common.events import Event, EventFormatError, Topics
from tests.e2e.platform import Platform, login

# Applicants of these tests only (valid GB 11643 check digits): other tests register the platform's
# ADULTS and some of them expect to be the first to do so.
APPLICANTS = ["330122198503151238", "330122197707084562", "330122199001017893", "330122198811223459"]


def case_events(platform: Platform, kafka: str, topic: str = Topics.CASE) -> list[Event]:
    """Every event on the platform's case topic (or `topic`) so far, from the beginning of each partition."""
    topic = platform.namespace + topic
    consumer = KafkaConsumer(
        bootstrap_servers=kafka,
        group_id=f"e2e-audit-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        assert partitions, f"no partitions for {topic}"
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        events: list[Event] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        events.append(Event.decode(record.value))
                    except EventFormatError:
                        continue  # tests/e2e/test_dead_letters.py puts an unreadable message on the topic
        return events
    finally:
        consumer.close(autocommit=False)


def work_items(platform: Platform, department: str, case_nos: list[str]) -> list[dict[str, Any]]:
    """Rows of a department's own database (what its API would not show: which replica took a case)."""
    engine = create_engine(platform.databases[f"bs_{department}"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT case_no, status, received_by FROM work_items WHERE case_no = ANY(:nos)"),
                {"nos": case_nos},
            ).mappings()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def wait_in_worklist(
    client: httpx.Client, headers: dict[str, str], case_no: str, timeout: float = 30.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/api/v1/worklist", headers=headers, params={"page_size": 100})
        assert response.status_code == 200, response.text
        found = [w for w in response.json() if w["case_no"] == case_no]
        if found:
            return dict(found[0])
        assert time.monotonic() < deadline, f"{case_no} never reached the work list"
        time.sleep(0.1)


def staff(client: httpx.Client, username: str) -> dict[str, str]:
    return login(client, username, "demo12345")
