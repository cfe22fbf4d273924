"""The events the gateway makes notifications from, as their producers really write them (into
their outboxes, on PostgreSQL): every case event names the applicant (resident ID number or unified
social credit code) and the item, every licence event the holder and the licence's name, and the
gateway turns each into the right notification for the right person."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from gov_common.bus.base import Message
from gov_common.contracts.events import EVENT_MODELS
from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import inbox
from gov_common.service import ServiceRuntime
from portal_gateway.notifications.consumer import Recipient, recipient_of
from portal_gateway.notifications.texts import compose
from tests.business_systems.support import ADULT, ITEM_BUSINESS, ITEM_FOOD, Tokens, build_department
from tests.service_management.conftest import FOOD_FORM, ITEM_INSTANT, ITEM_REVIEWED, PERSON, build_sm

NEW_TYPES = (EventTypes.CASE_ACCEPTED, EventTypes.CASE_SUPPLEMENT_REQUESTED, EventTypes.CASE_REJECTED)


def _passes_over(runtime: ServiceRuntime, events: list[Event]) -> None:
    """The service's own consumer takes the new case events as a Kafka message and passes over them:
    no handler runs, nothing goes to the dead-letter topic, no inbox row is written."""
    consumer = runtime.consumer
    assert consumer is not None
    # gov.case.v1, or a department's system its department's topic (Topics.department_cases).
    [topic] = [t for t in consumer.topics if t == Topics.CASE or t.startswith("gov.case.dept.")]
    assert not set(NEW_TYPES) & set(consumer.handlers)
    dead = runtime.bus.consumer(f"probe-{uuid.uuid4().hex[:6]}", [Topics.dead_letter(topic)])
    for n, event in enumerate(events):
        consumer.handle_message(Message(topic, 0, n, event.subject, event.encode()))
    assert dead.poll(0.2) == []
    ids = [e.id for e in events]
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(inbox).where(inbox.c.event_id.in_(ids))) == 0


def _notified(event: Event) -> tuple[Recipient | None, str, str]:
    data = EVENT_MODELS[event.type].of(event)
    text = compose(data)
    assert text is not None, event.type
    return recipient_of(data), text.kind, text.body


def test_service_management_names_the_applicant_and_the_item(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    sm_runs = build_sm(new_database(f"contract_sm_{uuid.uuid4().hex[:6]}"), tmp_path)
    sm = next(sm_runs)
    try:
        online = sm.file(ITEM_INSTANT, headers=sm.person())["case_no"]
        [accepted] = [e for e in sm.events(EventTypes.CASE_ACCEPTED) if e.subject == online]
        assert accepted.data["applicant"] == {"type": "person", "id_number": PERSON, "name": "张三"}
        assert accepted.data["item"] == {"code": ITEM_INSTANT, "name": "个体工商户设立登记"}
        assert _notified(accepted)[:2] == (Recipient("person", PERSON), "accepted")

        sm.approve(online, automated=True)
        sm.issue_licence(online, "AMR-CONTRACT-1")
        [concluded] = [e for e in sm.events(EventTypes.CASE_CONCLUDED) if e.subject == online]
        assert concluded.data["applicant"]["id_number"] == PERSON and concluded.data["license_no"] == "AMR-CONTRACT-1"
        recipient, kind, body = _notified(concluded)
        assert (recipient, kind) == (Recipient("person", PERSON), "concluded")
        assert "「个体工商户设立登记」" in body and "AMR-CONTRACT-1" in body

        clerk = sm.staff("clerk", name="综合窗口人员")
        walk_in = sm.client.post(
            "/api/v1/intake/cases",
            json={
                "item_code": ITEM_REVIEWED,
                "applicant": {"type": "person", "id_number": PERSON, "name": "张三"},
                "form": FOOD_FORM,
            },
            headers=clerk,
        )
        assert walk_in.status_code == 201, walk_in.text
        window = walk_in.json()["case_no"]
        asked = sm.client.post(
            f"/api/v1/intake/cases/{window}/supplement",
            json={"missing": ["BJT"], "note": "请补充设备布局图"},
            headers=clerk,
        )
        assert asked.status_code == 200, asked.text
        [supplement] = [e for e in sm.events(EventTypes.CASE_SUPPLEMENT_REQUESTED) if e.subject == window]
        assert supplement.data["materials"] == [{"code": "BJT", "name": "主要设备设施布局和操作流程"}]
        assert supplement.data["reason"] == "请补充设备布局图"
        assert supplement.data["item"]["name"] == "食品经营许可"
        recipient, kind, body = _notified(supplement)
        assert (recipient, kind) == (Recipient("person", PERSON), "supplement_requested")
        assert "请补正：主要设备设施布局和操作流程。补正说明：请补充设备布局图。" in body

        rejected = sm.client.post(
            f"/api/v1/intake/cases/{window}/reject", json={"reason": "经营场所位于禁设区域"}, headers=clerk
        )
        assert rejected.status_code == 200, rejected.text
        [rejection] = [e for e in sm.events(EventTypes.CASE_REJECTED) if e.subject == window]
        assert rejection.data["reason"] == "经营场所位于禁设区域"
        assert _notified(rejection)[:2] == (Recipient("person", PERSON), "rejected")
        # A case that was never accepted has no acceptance to tell of.
        assert [e for e in sm.events(EventTypes.CASE_ACCEPTED) if e.subject == window] == []
        _passes_over(sm.runtime, [accepted, supplement, rejection])
        assert sm.case(window)["status"] == "rejected"
    finally:
        sm_runs.close()


def test_a_department_names_the_applicant_and_the_item_in_its_decision(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    tokens = Tokens()
    runs = build_department(tmp_path, tokens, database_url=new_database(f"contract_bs_{uuid.uuid4().hex[:6]}"))
    amr = next(runs)
    try:
        instant = amr.file(item_code=ITEM_BUSINESS, instant=True)
        [approved] = amr.events(EventTypes.CASE_APPROVED, instant)
        assert approved.data["applicant"] == {"type": "person", "id_number": ADULT, "name": "张三"}
        assert approved.data["item"] == {"code": ITEM_BUSINESS, "name": "个体工商户设立登记"}
        recipient, kind, body = _notified(approved)
        assert (recipient, kind) == (Recipient("person", ADULT), "approved") and "秒批" in body

        reviewed = amr.file(item_code=ITEM_FOOD, instant=False)
        decided = amr.client.post(
            f"/api/v1/cases/{reviewed}/decision",
            json={"decision": "deny", "opinion": "经营场所不符合要求"},
            headers=amr.as_("reviewer"),
        )
        assert decided.status_code == 200, decided.text
        [denied] = amr.events(EventTypes.CASE_DENIED, reviewed)
        recipient, kind, body = _notified(denied)
        assert (recipient, kind) == (Recipient("person", ADULT), "denied")
        assert "「食品经营许可」" in body and "审批意见：经营场所不符合要求。" in body

        # The department's consumer passes over the intake events service-management now writes.
        intake_events = [
            Event.new(type=t, source="/service-management", subject=reviewed, data={"case_no": reviewed})
            for t in NEW_TYPES
        ]
        _passes_over(amr.runtime, intake_events)
        assert (
            amr.client.get(f"/api/v1/work-items/{reviewed}", headers=amr.as_("reviewer")).json()["status"] == "denied"
        )
    finally:
        runs.close()
