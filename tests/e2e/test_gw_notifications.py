"""The applicant's notifications (消息通知) end to end, in both run modes: what happens to their
cases at the window, at the department and in the licence library reaches their inbox at the
gateway, newest first; the unread count drops as they read; another applicant sees none of it;
and a redelivered event makes no second notification."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer

from gov_common.events import CONTENT_TYPE, EventTypes, Topics
from tests.e2e.bs_support import case_events
from tests.e2e.platform import BUSINESS_FORM, FOOD_FORM, ITEM_INSTANT, ITEM_REVIEWED, Applicant, Platform
from tests.service_management.e2e_helpers import fresh_applicant, staff, wait_until

INBOX = "/api/v1/me/notifications"


def _inbox(applicant: Applicant, *, settled: bool = True, **params: Any) -> list[dict[str, Any]]:
    response = applicant.client.get(INBOX, params={"page_size": 100, **params}, headers=applicant.headers)
    assert response.status_code == 200, response.text
    if settled:  # while events still arrive, the count and the page are two reads a new row may fall between
        assert response.headers["X-Total-Count"] == str(len(response.json()))
    return list(response.json())


def _unread(applicant: Applicant) -> int:
    response = applicant.client.get(f"{INBOX}/unread-count", headers=applicant.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["unread"])


def _wait_kinds(applicant: Applicant, count: int) -> list[dict[str, Any]]:
    wait_until(lambda: _inbox(applicant, settled=False), lambda items: len(items) >= count, timeout=60)
    return _inbox(applicant)


def _taken(client: httpx.Client, event_type: str) -> float:
    """The gateway's count of events of `event_type` its consumer took (whatever their outcome: the
    notification's unique event id, not an inbox, makes one taken again harmless)."""
    text = client.get("/metrics").text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("gov_events_consumed_total{") and 'group="portal-gateway"' in line:
            if f'type="{event_type}"' in line:
                total += float(line.rsplit(" ", 1)[1])
    return total


def _redeliver_accepted(platform: Platform, case_no: str, request: pytest.FixtureRequest) -> None:
    """Put the case's gov.case.accepted event on the bus a second time, byte for byte."""
    if platform.mode == "distributed":
        kafka: str = request.getfixturevalue("kafka_bootstrap")
        event = next(
            e for e in case_events(platform, kafka) if e.subject == case_no and e.type == EventTypes.CASE_ACCEPTED
        )
        producer = KafkaProducer(bootstrap_servers=kafka)
        try:
            producer.send(
                platform.namespace + Topics.CASE,
                key=case_no.encode(),
                value=event.encode(),
                headers=[("content-type", CONTENT_TYPE.encode())],
            ).get(timeout=30)
        finally:
            producer.close()
        return
    bus = platform.processes[0].log.parent / "var" / "bus.db"
    connection = sqlite3.connect(bus, timeout=30)
    try:
        rows = connection.execute(
            "SELECT key, value, headers FROM messages WHERE topic = ? AND key = ? ORDER BY seq", (Topics.CASE, case_no)
        ).fetchall()
        original = next(r for r in rows if b'"gov.case.accepted"' in bytes(r[1]))
        connection.execute(
            "INSERT INTO messages (topic, key, value, headers) VALUES (?, ?, ?, ?)", (Topics.CASE, *original)
        )
        connection.commit()
    finally:
        connection.close()


def test_an_applicants_cases_fill_their_inbox(platform: Platform, request: pytest.FixtureRequest) -> None:
    with platform.client() as client:
        applicant = fresh_applicant(client, "周通知")
        other = fresh_applicant(client, "吴旁人")
        assert _inbox(applicant) == [] and _unread(applicant) == 0

        # The instant item: accepted, approved by the decision table, licence issued, concluded.
        instant = applicant.file(ITEM_INSTANT, BUSINESS_FORM)
        licence = applicant.wait_for(instant, "concluded")["license_no"]
        items = _wait_kinds(applicant, 4)
        assert [n["kind"] for n in items] == ["concluded", "license_issued", "approved", "accepted"]
        assert [n["title"] for n in items] == ["办件已办结", "电子证照已签发", "申请已秒批通过", "办件已受理"]
        assert {n["case_no"] for n in items} == {instant}
        assert [n["license_no"] for n in items] == [licence, licence, None, None]
        assert "个体工商户设立登记" in items[-1]["body"] and licence in items[1]["body"]

        # A reviewed item: accepted online, then a reviewer approves.
        reviewed = applicant.file(ITEM_REVIEWED, FOOD_FORM)
        _wait_kinds(applicant, 5)
        reviewer = staff(client, "reviewer-amr")
        wait_until(
            lambda: client.get("/api/v1/worklist", params={"page_size": 100}, headers=reviewer).json(),
            lambda work: reviewed in [w["case_no"] for w in work],
        )
        decided = client.post(
            f"/api/v1/cases/{reviewed}/decision", headers=reviewer, json={"decision": "approve", "opinion": "准予许可"}
        )
        assert decided.status_code == 200, decided.text
        applicant.wait_for(reviewed, "concluded")
        items = _wait_kinds(applicant, 8)
        assert [(n["kind"], n["case_no"]) for n in items[:4]] == [
            ("concluded", reviewed),
            ("license_issued", reviewed),
            ("approved", reviewed),
            ("accepted", reviewed),
        ]
        assert items[2]["title"] == "审批通过" and "审批意见：准予许可。" in items[2]["body"]
        assert "食品经营许可" in items[3]["body"]

        # At the window, for the same person (by identity number): a supplement request, then a rejection.
        clerk = staff(client, "clerk")
        walk_in = client.post(
            "/api/v1/intake/cases",
            json={
                "item_code": ITEM_REVIEWED,
                "applicant": {"type": "person", "id_number": applicant.id_number, "name": "周通知"},
                "form": FOOD_FORM,
            },
            headers=clerk,
        )
        assert walk_in.status_code == 201, walk_in.text
        window = walk_in.json()["case_no"]
        asked = client.post(
            f"/api/v1/intake/cases/{window}/supplement",
            json={"missing": ["BJT"], "note": "请补充设备布局图"},
            headers=clerk,
        )
        assert asked.status_code == 200, asked.text
        items = _wait_kinds(applicant, 9)
        assert items[0]["kind"] == "supplement_requested" and items[0]["title"] == "请补正材料"
        assert "请补正：主要设备设施布局和操作流程。补正说明：请补充设备布局图。" in items[0]["body"]
        rejected = client.post(
            f"/api/v1/intake/cases/{window}/reject", json={"reason": "经营场所位于禁设区域"}, headers=clerk
        )
        assert rejected.status_code == 200, rejected.text
        items = _wait_kinds(applicant, 10)
        assert [(n["kind"], n["case_no"]) for n in items[:2]] == [
            ("rejected", window),
            ("supplement_requested", window),
        ]
        assert "理由：经营场所位于禁设区域。" in items[0]["body"]

        # The other applicant sees none of it, and cannot mark it read.
        assert _inbox(other) == [] and _unread(other) == 0
        assert client.post(f"{INBOX}/{items[0]['id']}/read", headers=other.headers).status_code == 404

        # Reading lowers the unread count.
        assert _unread(applicant) == 10
        read = client.post(f"{INBOX}/{items[0]['id']}/read", headers=applicant.headers)
        assert read.status_code == 200 and read.json()["read"] is True
        assert _unread(applicant) == 9
        assert [n["id"] for n in _inbox(applicant, unread="true")] == [n["id"] for n in items[1:]]
        page = client.get(INBOX, params={"page": 2, "page_size": 4}, headers=applicant.headers)
        assert [n["id"] for n in page.json()] == [n["id"] for n in items[4:8]]
        assert (page.headers["X-Total-Count"], page.headers["X-Page"], page.headers["X-Page-Size"]) == ("10", "2", "4")
        everything = client.post(f"{INBOX}/read-all", headers=applicant.headers)
        assert everything.json() == {"marked": 9, "unread": 0} and _unread(applicant) == 0

        # A redelivered event: the gateway's consumer takes it again and makes no second notification.
        before = _taken(client, EventTypes.CASE_ACCEPTED)
        _redeliver_accepted(platform, instant, request)
        wait_until(lambda: _taken(client, EventTypes.CASE_ACCEPTED), lambda seen: seen > before, timeout=60)
        assert [n["id"] for n in _inbox(applicant)] == [n["id"] for n in items]
        assert _unread(applicant) == 0


def test_staff_have_no_inbox(platform: Platform) -> None:
    with platform.client() as client:
        response = client.get(INBOX, headers=staff(client, "clerk"))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert client.get(f"{INBOX}/unread-count").status_code == 401
