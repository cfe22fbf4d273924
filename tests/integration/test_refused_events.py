"""An event whose data does not fit the model of its type (docs/events.md), on real PostgreSQL and Kafka:
a department's business system refuses a `gov.case.dispatched` without the applicant's ID number at
once, without retries: it goes to `gov.case.dept.amr.v1.dlt` (the dead letters of the topic it reads)
with the field named (and to the service's dead-letter table), and the next event of the same
partition, a good one, is handled."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from business_systems.app import create_runtime, migrate
from business_systems.models import WorkItem
from business_systems.settings import Settings
from gov_common.bus.kafka import KafkaBus
from gov_common.dead_letters import dead_letter
from gov_common.events import Event, EventTypes, Topics
from tests.business_systems.support import ITEM_BUSINESS, Tokens, dispatched


def _wait(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_an_event_that_does_not_fit_is_dead_lettered_naming_the_field_and_the_next_is_handled(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    url = new_database("bs_refused")
    namespace = f"rf{uuid.uuid4().hex[:8]}."
    settings = Settings(
        environment="test",
        department_code="amr",
        database_url=url,
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=namespace,
        consumer_group=f"business-systems.amr.{namespace}",
        file_store_url=str(tmp_path / "files"),
        handlers=["individual-business", "food-business"],
        # A handler's failure would wait 60 s before its second try: a refusal must not.
        consumer_max_attempts=5,
        consumer_retry_backoff_seconds=60,
        relay_poll_seconds=0.5,
    )
    migrate(settings)
    runtime = create_runtime(settings, verifier=Tokens().verifier)
    producer = KafkaBus(kafka_bootstrap, client_id="test-producer", namespace=namespace)
    topic = Topics.department_cases("amr")  # what the department's system reads
    producer.ensure_topics([Topics.dead_letter(topic)])
    letters = producer.consumer(f"dlt-{namespace}", [Topics.dead_letter(topic)])
    try:
        runtime.start()
        _wait(lambda: runtime.consumer is not None and runtime.consumer.ready.is_set(), 60)
        good = dispatched(item_code=ITEM_BUSINESS, instant=True)
        data = {**good.data, "applicant": {k: v for k, v in good.data["applicant"].items() if k != "id_number"}}
        # The same case number: the same key, so the same partition, the bad one first.
        bad = Event.new(type=EventTypes.CASE_DISPATCHED, source="/service-management", subject=good.subject, data=data)
        started = time.monotonic()
        producer.publish(topic, bad.subject, bad.encode())
        producer.publish(topic, good.subject, good.encode())

        def work_item() -> WorkItem | None:
            with runtime.db.session() as session:
                return session.scalars(select(WorkItem).where(WorkItem.case_no == good.subject)).first()

        _wait(lambda: work_item() is not None, 30)
        item = work_item()
        assert item is not None and item.applicant["id_number"] == good.data["applicant"]["id_number"]
        assert item.status == "approved"  # the good one went all the way (instant approval)
        assert time.monotonic() - started < 30  # no retry of the refused one (60 s apart) stood in its way

        received = []
        deadline = time.monotonic() + 30
        while not received and time.monotonic() < deadline:
            received = letters.poll(0.5)
        [letter] = received
        assert letter.value == bad.encode() and letter.key == bad.subject
        reason = letter.headers["x-dead-letter-reason"]
        assert reason.startswith(f"refused: {EventTypes.CASE_DISPATCHED} {bad.id}")
        assert "data.applicant.id_number: field required" in reason
        assert letter.headers["x-original-topic"] == topic
        with runtime.db.session() as session:
            rows = session.execute(select(dead_letter.c.event_id, dead_letter.c.reason)).all()
        assert [(r.event_id, "data.applicant.id_number: field required" in r.reason) for r in rows] == [(bad.id, True)]
    finally:
        runtime.stop()
        letters.close()
        producer.close()
