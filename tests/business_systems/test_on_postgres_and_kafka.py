"""Against the real PostgreSQL and Kafka: two members of one department's consumer group share the
dispatched cases and handle each exactly once; two people acting on one step at the same moment
cannot both succeed; the step events reach the topic."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from business_systems.app import create_app, create_runtime, migrate
from business_systems.models import WorkItem
from business_systems.settings import Settings
from gov_common.bus.kafka import KafkaBus
from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import outbox
from gov_common.service import ServiceRuntime
from tests.business_systems.support import ITEM_BUSINESS, ITEM_FOOD, Tokens, dispatched
from tests.kafka_groups import wait_for_spread_group
from tests.waiting import wait_until

# What service-management sends a department's system (Topics.department_cases), the one topic it reads.
AMR_TOPIC = Topics.department_cases("amr")


def _settings(url: str, kafka: str, namespace: str, tmp_path: Path, replica: int) -> Settings:
    return Settings(
        environment="test",
        department_code="amr",
        database_url=url,
        bus="kafka",
        kafka_bootstrap=kafka,
        topic_namespace=namespace,
        consumer_group=f"business-systems.amr.{namespace}",  # private to this test run
        file_store_url=str(tmp_path / "files"),
        handlers=["individual-business", "food-business"],
        instance_id=f"replica-{replica}",
        relay_poll_seconds=0.5,
    )


def test_two_group_members_handle_each_case_once_and_concurrent_actions_do_not_both_win(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    url = new_database("bs_replicas")
    namespace = f"bs{uuid.uuid4().hex[:8]}."
    tokens = Tokens()
    runtimes: list[ServiceRuntime] = []
    for replica in (1, 2):
        settings = _settings(url, kafka_bootstrap, namespace, tmp_path, replica)
        if replica == 1:
            migrate(settings)
        runtimes.append(create_runtime(settings, verifier=tokens.verifier))
    producer = KafkaBus(kafka_bootstrap, client_id="test-producer", namespace=namespace)
    try:
        for runtime in runtimes:
            runtime.start()
        wait_until(lambda: all(r.consumer is not None and r.consumer.ready.is_set() for r in runtimes))
        # Both members joined: the three partitions are spread over them.
        wait_for_spread_group(kafka_bootstrap, f"{namespace}business-systems.amr.{namespace}", members=2)
        events = [dispatched(item_code=ITEM_BUSINESS, instant=True) for _ in range(30)]
        for event in events:
            producer.publish(AMR_TOPIC, event.subject, event.encode())
            producer.publish(AMR_TOPIC, event.subject, event.encode())  # redelivered: harmless

        def handled() -> list[tuple[str, str | None, str]]:
            with runtimes[0].db.session() as session:
                rows = session.execute(select(WorkItem.case_no, WorkItem.received_by, WorkItem.status)).all()
            return [(r[0], r[1], r[2]) for r in rows]

        wait_until(lambda: len(handled()) >= 30)
        rows = handled()
        assert sorted(r[0] for r in rows) == sorted(e.subject for e in events)
        assert {r[2] for r in rows} == {"approved"}
        assert set(Counter(r[1] for r in rows)) == {"replica-1", "replica-2"}

        reader = producer.consumer(f"audit-{namespace}", [Topics.CASE])
        approvals: Counter[str] = Counter()
        deadline = time.monotonic() + 60
        while sum(approvals.values()) < 30 and time.monotonic() < deadline:
            for message in reader.poll(0.5):
                event = Event.decode(message.value)
                if event.type == EventTypes.CASE_APPROVED:
                    approvals[event.subject] += 1
        time.sleep(2)
        for message in reader.poll(1.0):
            event = Event.decode(message.value)
            if event.type == EventTypes.CASE_APPROVED:
                approvals[event.subject] += 1
        reader.close()
        assert approvals == Counter({e.subject: 1 for e in events})

        # Two approvers press the button at the same time: one decides, the other is told it is done.
        paper = {"code": "BJT", "name": "设备布局图", "paper_received": True, "provided_by": "综合窗口人员"}
        food = dispatched(item_code=ITEM_FOOD, item_version=2, committed_days=10, materials=[paper])
        producer.publish(AMR_TOPIC, food.subject, food.encode())
        wait_until(lambda: food.subject in [r[0] for r in handled()])
        apps = [create_app(runtime=r, manage_lifespan=False) for r in runtimes]
        reviewer = tokens.staff("reviewer-amr", ["reviewer"], "amr", name="amr 审批人员")
        barrier = threading.Barrier(2)
        codes: list[int] = []

        def decide(app_index: int) -> None:
            with TestClient(apps[app_index]) as client:
                barrier.wait()
                response = client.post(
                    f"/api/v1/cases/{food.subject}/decision",
                    headers=reviewer,
                    json={"decision": "approve" if app_index else "deny", "opinion": f"意见{app_index}"},
                )
                codes.append(response.status_code)

        threads = [threading.Thread(target=decide, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(codes) == [200, 409]
        with runtimes[0].db.session() as session:
            payloads = session.scalars(select(outbox.c.payload).where(outbox.c.key == food.subject)).all()
        decisions = [
            e.type for e in map(Event.decode, payloads) if e.type in (EventTypes.CASE_APPROVED, EventTypes.CASE_DENIED)
        ]
        assert len(decisions) == 1
        # What came with the case through Kafka is kept in PostgreSQL and shown; the action names its account.
        with TestClient(apps[0]) as client:
            work = client.get(f"/api/v1/work-items/{food.subject}", headers=reviewer).json()
        assert (work["item_version"], work["committed_days"]) == (2, 10)
        assert [(m["code"], m["paper_received"], m["paper_received_by"]) for m in work["materials"]] == [
            ("BJT", True, "综合窗口人员")
        ]
        assert [(a["by"], a["by_username"]) for a in work["actions"]] == [("amr 审批人员", "reviewer-amr")]
    finally:
        for runtime in runtimes:
            runtime.stop()
        producer.close()
