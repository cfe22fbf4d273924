"""service-management on PostgreSQL and Apache Kafka: its events leave through the outbox onto
gov.case.v1 keyed by case number, and the department's answers arriving on Kafka move the case
(idempotently: a redelivered approval changes nothing)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.bus.base import Message
from gov_common.bus.kafka import KafkaBus
from gov_common.events import Event, EventTypes, Topics
from gov_common.files import file_store_from_url
from service_management.app import create_app, create_runtime, migrate
from service_management.events import CASE_CLOCK_CHANGED
from service_management.ports import Ports
from service_management.settings import Settings
from tests.service_management.conftest import BUSINESS_FORM, ITEM_INSTANT, PERSON, FakeCredit, FakeLicences


def _collect(consumer, wanted: Callable[[list[Event]], bool], timeout: float = 30.0) -> list[Event]:  # type: ignore[no-untyped-def]
    events: list[Event] = []
    deadline = time.monotonic() + timeout
    while not wanted(events) and time.monotonic() < deadline:
        messages: list[Message] = consumer.poll(0.5)
        events += [Event.decode(m.value) for m in messages]
    return events


def test_events_through_postgresql_and_kafka(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    namespace = f"sm{uuid.uuid4().hex[:8]}."
    settings = Settings(
        environment="test",
        database_url=new_database("sm_kafka"),
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=namespace,
        seed_demo=True,
        relay_poll_seconds=1,
        supervision_interval_seconds=0,
    )
    migrate(settings)
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    ports = Ports(files=file_store_from_url(str(tmp_path / "files")), credit=FakeCredit(), licences=FakeLicences())
    runtime = create_runtime(settings, verifier=verifier, ports=ports)
    department = KafkaBus(kafka_bootstrap, client_id="test-department", partitions=3, namespace=namespace)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            department.ensure_topics([Topics.CASE, Topics.LICENSE])
            watcher = department.consumer(f"watch-{uuid.uuid4().hex[:6]}", [Topics.CASE])
            token = issuer.issue(
                sub="p1", account_type="person", name="张三", id_number=PERSON, roles=[], department=None
            )
            response = client.post(
                "/api/v1/cases",
                json={"item_code": ITEM_INSTANT, "form": BUSINESS_FORM},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.text
            case_no = response.json()["case_no"]

            seen = _collect(watcher, lambda ev: any(e.type == EventTypes.CASE_DISPATCHED for e in ev))
            mine = [e for e in seen if e.subject == case_no]
            types = [e.type for e in mine]
            # The clock's start is reported by gov.case.dispatched (due_at), not by a clock_changed.
            assert CASE_CLOCK_CHANGED not in types and EventTypes.CASE_DISPATCHED in types, types
            dispatched = next(e for e in mine if e.type == EventTypes.CASE_DISPATCHED).data
            assert dispatched["due_at"] and dispatched["instant_approval"] is True

            approved = Event.new(
                type=EventTypes.CASE_APPROVED,
                source="/business-systems/amr",
                subject=case_no,
                data={
                    "case_no": case_no,
                    "decided_by": "system",
                    "opinion": "符合秒批条件",
                    "automated": True,
                    "rule": {"version": 1, "inputs": {}},
                    "license": {
                        "type": "business_license",
                        "holder": {"id_number": PERSON, "name": "张三", "type": "person"},
                        "issuer_department": "amr",
                    },
                },
            )
            for _ in range(2):  # delivered twice: the inbox makes the second harmless
                department.publish(Topics.CASE, case_no, approved.encode(), {})
            issued = Event.new(
                type=EventTypes.LICENSE_ISSUED,
                source="/data-sharing",
                subject="AMR-1",
                data={"case_no": case_no, "license_no": "AMR-1", "license_type": "business_license"},
            )
            department.publish(Topics.LICENSE, "AMR-1", issued.encode(), {})

            later = _collect(watcher, lambda ev: any(e.type == EventTypes.CASE_CONCLUDED for e in ev))
            assert [e.data["license_no"] for e in later if e.type == EventTypes.CASE_CONCLUDED] == ["AMR-1"]
            # The ending tells the clock's stop: no clock_changed with it (test_per_case_cost reads the outbox).
            assert not [e for e in later if e.type == CASE_CLOCK_CHANGED and e.subject == case_no]
            admin = issuer.issue(
                sub="a", account_type="staff", name="admin", id_number=None, roles=["admin"], department=None
            )
            case = client.get(f"/api/v1/cases/{case_no}", headers={"Authorization": f"Bearer {admin}"}).json()
            assert [s["status"] for s in case["timeline"]] == [
                "submitted",
                "accepted",
                "dispatched",
                "approved",
                "concluded",
            ]
            assert [d["kind"] for d in case["decisions"]] == ["instant_approval_check", "automated_approval"]
            watcher.close()
    finally:
        department.close()
