"""Exactly one licence per approved case, whatever Kafka redelivers: duplicates of the same event,
and a data-sharing consumer stopped and restarted in the middle of a stream. On PostgreSQL and Kafka."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from data_sharing.app import create_runtime, migrate
from data_sharing.models import License
from data_sharing.settings import Settings
from gov_common.auth import TokenVerifier
from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import outbox
from tests.waiting import wait_until


def _approval(n: int) -> Event:
    return Event.new(
        type=EventTypes.CASE_APPROVED,
        source="/business-systems/amr",
        subject=f"2026112500000{n:05d}",
        data={
            "case_no": f"2026112500000{n:05d}",
            "item_code": "330122-AMR-XK-0001",
            "department_code": "amr",
            "decided_by": "system",
            "opinion": "符合秒批条件",
            "automated": True,
            "license": {
                "type": "business_license",
                "name": "营业执照",
                "issuer_department": "amr",
                "holder": {"id_number": "11010519491231002X", "name": "张三", "type": "person"},
                "fields": {"business_name": f"小店{n}"},
            },
        },
    )


def _counts(runtime) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as s:
        licences = s.scalar(select(func.count()).select_from(License)) or 0
        cases = s.scalar(select(func.count(func.distinct(License.case_no)))) or 0
        # Licence events only: data-sharing's outbox also carries its credit feed (heartbeats, backfill).
        events = s.scalar(select(func.count()).select_from(outbox).where(outbox.c.topic == Topics.LICENSE)) or 0
    return licences, cases, events


def test_duplicates_and_a_restart_mid_stream_issue_one_licence_per_case(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = Settings(
        environment="test",
        database_url=new_database("ds_idem"),
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=f"idem{uuid.uuid4().hex[:8]}.",
        license_signing_key_path=str(tmp_path / "license.pem"),
        consumer_max_attempts=3,
    )
    migrate(settings)
    verifier = TokenVerifier(lambda: {"keys": []}, issuer="x", audience="y")
    runtime = create_runtime(settings, verifier=verifier)
    runtime.start()
    producer = runtime.bus
    events = [_approval(n) for n in range(40)]
    try:
        for event in events[:20]:
            producer.publish(Topics.CASE, event.subject, event.encode())
            producer.publish(Topics.CASE, event.subject, event.encode())  # the same event, delivered twice
        wait_until(lambda: _counts(runtime)[0] >= 5)
    finally:
        runtime.stop()  # stopped mid-stream: what it had not committed is redelivered to the next one

    for event in events[20:]:
        redelivery = Event(
            id=str(uuid.uuid4()),
            type=event.type,
            source=event.source,
            subject=event.subject,
            time=event.time,
            data=event.data,
        )  # a re-emitted approval under a new event id
        second = create_runtime(settings, verifier=verifier)
        second.bus.publish(Topics.CASE, event.subject, event.encode())
        second.bus.publish(Topics.CASE, redelivery.subject, redelivery.encode())
        second.bus.close()

    restarted = create_runtime(settings, verifier=verifier)
    restarted.start()
    try:
        wait_until(lambda: _counts(restarted)[1] == 40)
        time.sleep(1.0)  # let any stray duplicate land, if there were one
        licences, cases, issued_events = _counts(restarted)
        assert (licences, cases, issued_events) == (40, 40, 40)

        # Re-feed every message on the topic through the consumer: all are recognised.
        reader = restarted.bus.consumer(f"reader-{uuid.uuid4().hex[:6]}", [Topics.CASE])
        seen = 0
        deadline = time.monotonic() + 30
        while seen < 80 and time.monotonic() < deadline:
            for message in reader.poll(0.5):
                assert restarted.consumer is not None
                restarted.consumer.handle_message(message)
                seen += 1
        reader.close()
        assert seen == 80
        assert _counts(restarted) == (40, 40, 40)
    finally:
        restarted.stop()
