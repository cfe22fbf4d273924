"""The applicant's inbox on PostgreSQL and Apache Kafka: case and licence events published on the
topics become notifications through the gateway's own consumer (group portal-gateway), a
duplicated or replayed event makes no second notification, and the API shows each applicant their
own, newest first and paginated, counts the unread and marks them read. Staff have no inbox."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gov_common.bus.kafka import KafkaBus
from gov_common.events import CONTENT_TYPE, Event, EventTypes, Topics, applicant_data
from gov_common.service import ServiceRuntime
from portal_gateway.app import migrate
from portal_gateway.notifications.consumer import record
from portal_gateway.notifications.models import Notification
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import RegistryFake, acting_for_entity, gateway_alone
from tests.service_management.e2e_helpers import fresh_id_number

ALICE = "11010519491231002X"
BOB = "110101199003077758"
COMPANY = "91330122MA2B0K7LXG"
T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


@dataclass
class Gateway:
    client: TestClient
    runtime: ServiceRuntime
    bus: KafkaBus
    registry: RegistryFake

    def publish(self, topic: str, event: Event) -> None:
        self.bus.publish(topic, event.subject, event.encode(), {"content-type": CONTENT_TYPE})

    def count(self, *conditions: Any) -> int:
        with self.runtime.db.session() as session:
            return session.scalar(select(func.count()).select_from(Notification).where(*conditions)) or 0

    def handled(self, event_id: str) -> bool:
        """The event made its notification (the consumer keeps no inbox rows for them: the notification's
        unique event id makes it idempotent)."""
        with self.runtime.db.session() as session:
            made = select(func.count()).select_from(Notification).where(Notification.event_id == event_id)
            return session.scalar(made) == 1

    def wait_handled(self, *events: Event, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not all(self.handled(e.id) for e in events):
            assert time.monotonic() < deadline, "the gateway's consumer did not handle the events in time"
            time.sleep(0.1)


@pytest.fixture
def gateway(new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path) -> Iterator[Gateway]:
    namespace = f"gw{uuid.uuid4().hex[:8]}."
    settings = Settings(
        environment="test",
        database_url=new_database(f"gw_notifications_{uuid.uuid4().hex[:6]}"),
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=namespace,
        seed_demo=True,
        token_signing_key_path=str(tmp_path / "token.pem"),
        sms_dev_outbox=str(tmp_path / "sms-outbox.jsonl"),
    )
    migrate(settings)
    registry = RegistryFake()
    app = gateway_alone(settings, registry)
    bus = KafkaBus(kafka_bootstrap, client_id="test-producer", partitions=3, namespace=namespace)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Gateway(client=client, runtime=app.state.runtime, bus=bus, registry=registry)
    finally:
        bus.close()


def _case_event(type: str, case_no: str, minute: int, who: dict[str, str], **data: Any) -> Event:
    event = Event.new(
        type=type,
        source="/service-management",
        subject=case_no,
        data={
            "case_no": case_no,
            "item_code": "330122-AMR-XK-0001",
            "item": {"code": "330122-AMR-XK-0001", "name": "个体工商户设立登记"},
            "applicant": who,
            **data,
        },
    )
    return dataclasses.replace(event, time=T0 + dt.timedelta(minutes=minute))


def _licence_event(type: str, license_no: str, case_no: str, minute: int, holder: str, **data: Any) -> Event:
    event = Event.new(
        type=type,
        source="/data-sharing",
        subject=license_no,
        data={
            "license_no": license_no,
            "license_type": "individual_business_license",
            "license_name": "个体工商户营业执照",
            "case_no": case_no,
            "holder_id_number": holder,
            "holder_type": "person",
            **data,
        },
    )
    return dataclasses.replace(event, time=T0 + dt.timedelta(minutes=minute))


def _register(client: TestClient, body: dict[str, str]) -> dict[str, str]:
    response = client.post("/api/v1/auth/register", json={**body, "phone": "13800138000", "password": "secret-pass-1"})
    assert response.status_code == 201, response.text
    username = body.get("id_number") or body["uscc"]
    token = client.post("/api/v1/auth/token", data={"username": username, "password": "secret-pass-1"})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _inbox(client: TestClient, headers: dict[str, str], **params: Any) -> tuple[list[dict[str, Any]], Any]:
    response = client.get("/api/v1/me/notifications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json(), response.headers


def _unread(client: TestClient, headers: dict[str, str]) -> int:
    response = client.get("/api/v1/me/notifications/unread-count", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["unread"])


def test_events_fill_each_applicants_inbox_once_and_the_api_reads_and_marks_them(gateway: Gateway) -> None:
    client = gateway.client
    alice = _register(client, {"account_type": "person", "id_number": ALICE, "name": "张三"})
    bob = _register(client, {"account_type": "person", "id_number": BOB, "name": "李四"})
    company = acting_for_entity(
        client,
        gateway.registry,
        uscc=COMPANY,
        entity_name="示范县某某餐饮有限公司",
        representative=(fresh_id_number(), "王老板"),
    )
    a = applicant_data(type="person", id_number=ALICE, name="张三")
    case = "202611250000000001"
    licence = "AMR-20261125-000001"
    accepted = _case_event(EventTypes.CASE_ACCEPTED, case, 0, a, note="online pre-check passed")
    dispatched = _case_event(EventTypes.CASE_DISPATCHED, case, 1, a)  # notifies nobody
    licence_to_issue = {
        "type": "individual_business_license",
        "holder": {"id_number": ALICE, "name": "张三", "type": "person"},
        "issuer_department": "amr",
    }
    approved = _case_event(
        EventTypes.CASE_APPROVED, case, 2, a, automated=True, opinion="符合秒批条件", license=licence_to_issue
    )
    issued = _licence_event(EventTypes.LICENSE_ISSUED, licence, case, 3, ALICE, valid_until=None)
    concluded = _case_event(EventTypes.CASE_CONCLUDED, case, 4, a, license_no=licence)
    for_bob = _case_event(
        EventTypes.CASE_SUPPLEMENT_REQUESTED,
        "202611250000000002",
        5,
        applicant_data(type="person", id_number=BOB, name="李四"),
        materials=[{"code": "BJT", "name": "设备布局图"}],
        reason="请补充设备布局图",
    )
    for_company = _case_event(
        EventTypes.CASE_REJECTED,
        "202611250000000003",
        6,
        applicant_data(type="entity", id_number=COMPANY, name="示范县某某餐饮有限公司"),
        reason="经营场所位于禁设区域",
    )
    nameless = _case_event(EventTypes.CASE_ACCEPTED, "202611250000000004", 7, a)
    # No applicant: nobody to notify. Keyed as Alice's case, before its conclusion: in the same partition,
    # so it has been taken once the conclusion's notification is there.
    nameless = dataclasses.replace(nameless, subject=case, data={"case_no": "202611250000000004"})
    case_events = [accepted, dispatched, approved, nameless, concluded, for_bob, for_company]
    # Out of order across topics, and every one of Alice's delivered twice (a producer's retry).
    gateway.publish(Topics.LICENSE, issued)
    gateway.publish(Topics.LICENSE, issued)
    for event in case_events:
        gateway.publish(Topics.CASE, event)
        gateway.publish(Topics.CASE, event)
    gateway.wait_handled(issued, *(e for e in case_events if e not in (dispatched, nameless)))
    assert not gateway.handled(dispatched.id)  # a type the gateway has no handler for is passed over
    # No case waits for the inbox: its group gathers a second of events per Kafka fetch (docs/notifications.md).
    consumer = gateway.runtime.consumer
    assert consumer is not None and consumer._consumer is not None
    fetcher = consumer._consumer._consumer._fetcher.config  # type: ignore[attr-defined]
    assert (consumer.gather_ms, fetcher["fetch_max_wait_ms"], fetcher["fetch_min_bytes"]) == (1000, 1000, 512 * 1024)

    assert gateway.count(Notification.recipient_id_number == ALICE) == 4
    assert gateway.count() == 6  # Alice's four, Bob's one, the company's one; none for the nameless event
    page, headers = _inbox(client, alice)
    assert [n["kind"] for n in page] == ["concluded", "license_issued", "approved", "accepted"]  # newest first
    assert headers["X-Total-Count"] == "4" and headers["X-Page"] == "1" and headers["X-Page-Size"] == "20"
    assert [n["title"] for n in page] == ["办件已办结", "电子证照已签发", "申请已秒批通过", "办件已受理"]
    links = [(n["case_no"], n["license_no"]) for n in page]
    assert links == [(case, licence), (case, licence), (case, None), (case, None)]
    assert all(n["read"] is False and n["read_at"] is None for n in page)
    assert "个体工商户设立登记" in page[-1]["body"]

    second, headers = _inbox(client, alice, page=2, page_size=3)
    assert [n["kind"] for n in second] == ["accepted"] and headers["X-Total-Count"] == "4"

    # Each sees only their own.
    bobs, _ = _inbox(client, bob)
    assert [(n["kind"], n["title"]) for n in bobs] == [("supplement_requested", "请补正材料")]
    assert "设备布局图" in bobs[0]["body"]
    companys, _ = _inbox(client, company)
    assert [n["kind"] for n in companys] == ["rejected"] and "禁设区域" in companys[0]["body"]
    assert client.post(f"/api/v1/me/notifications/{page[0]['id']}/read", headers=bob).status_code == 404
    assert _unread(client, alice) == 4

    # Reading: one, then the same again (idempotent), then all.
    first = client.post(f"/api/v1/me/notifications/{page[1]['id']}/read", headers=alice)
    assert first.status_code == 200 and first.json()["read"] is True and first.json()["read_at"]
    again = client.post(f"/api/v1/me/notifications/{page[1]['id']}/read", headers=alice)
    assert again.json()["read_at"] == first.json()["read_at"]
    assert _unread(client, alice) == 3
    unread, headers = _inbox(client, alice, unread="true")
    assert [n["kind"] for n in unread] == ["concluded", "approved", "accepted"] and headers["X-Total-Count"] == "3"
    everything = client.post("/api/v1/me/notifications/read-all", headers=alice)
    assert everything.status_code == 200 and everything.json() == {"marked": 3, "unread": 0}
    assert _unread(client, alice) == 0 and _unread(client, bob) == 1

    # A replay long after (another consumer group's view, or a lost inbox row) still makes none:
    # the notification remembers its event.
    with gateway.runtime.db.session() as session:
        record(session, accepted)
        record(session, issued)
    assert gateway.count(Notification.recipient_id_number == ALICE) == 4


def test_who_may_read_and_what_bad_input_gets(gateway: Gateway) -> None:
    client = gateway.client
    alice = _register(client, {"account_type": "person", "id_number": ALICE, "name": "张三"})
    admin_token = client.post("/api/v1/auth/token", data={"username": "admin", "password": "demo12345"})
    admin = {"Authorization": f"Bearer {admin_token.json()['access_token']}"}

    for method, path in [
        ("GET", "/api/v1/me/notifications"),
        ("GET", "/api/v1/me/notifications/unread-count"),
        ("POST", "/api/v1/me/notifications/read-all"),
        ("POST", "/api/v1/me/notifications/1/read"),
    ]:
        staff = client.request(method, path, headers=admin)
        assert staff.status_code == 403, (path, staff.text)
        assert staff.headers["content-type"].startswith("application/problem+json")
        assert client.request(method, path).status_code == 401

    def field_of(response: Any) -> str:
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return str(response.json()["errors"][0]["field"])

    assert field_of(client.get("/api/v1/me/notifications", params={"unread": "maybe"}, headers=alice)) == "unread"
    assert field_of(client.get("/api/v1/me/notifications", params={"page": 0}, headers=alice)) == "page"
    assert field_of(client.get("/api/v1/me/notifications", params={"page_size": 101}, headers=alice)) == "page_size"
    assert field_of(client.post("/api/v1/me/notifications/abc/read", headers=alice)) == "notification_id"
    assert field_of(client.post("/api/v1/me/notifications/0/read", headers=alice)) == "notification_id"
    missing = client.post("/api/v1/me/notifications/999999/read", headers=alice)
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "notification_id"
    empty, headers = _inbox(client, alice)
    assert empty == [] and headers["X-Total-Count"] == "0"
    assert client.post("/api/v1/me/notifications/read-all", headers=alice).json() == {"marked": 0, "unread": 0}
