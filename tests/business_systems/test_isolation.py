"""One deployment per department: another department's cases are neither stored nor shown."""

from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from business_systems.models import WorkItem
from gov_common.bus.base import Message
from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import TYPE_HEADER, inbox
from tests.business_systems.support import ITEM_FOOD, ITEM_PERMIT, Department, clock_changed, dispatched


def _count(department: Department) -> int:
    with department.runtime.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(WorkItem)) or 0)


def test_each_department_stores_only_the_cases_dispatched_to_it(amr: Department, psb: Department) -> None:
    food = dispatched(item_code=ITEM_FOOD, department="amr")
    permit = dispatched(item_code=ITEM_PERMIT, department="psb", form={"residence_address": "人民路2号"})
    for event in (food, permit):  # both see every event on the topic, as Kafka delivers it
        amr.receive(event)
        psb.receive(event)
    # A clock report for the other department's case is not a reason to store anything.
    amr.receive(clock_changed(permit.subject, due_at=None, paused=True, days=3))
    assert _count(amr) == 1 and _count(psb) == 1
    assert amr.client.get(f"/api/v1/work-items/{food.subject}", headers=amr.as_("reviewer")).status_code == 200
    assert psb.client.get(f"/api/v1/work-items/{permit.subject}", headers=psb.as_("reviewer")).status_code == 200
    assert amr.events() == [] and psb.events() == []


def test_another_departments_staff_get_404_and_empty_lists(amr: Department) -> None:
    case_no = amr.file(item_code=ITEM_FOOD)
    psb_reviewer = amr.tokens.staff("reviewer-psb", ["reviewer"], "psb")
    psb_admin = amr.tokens.staff("deptadmin-psb", ["department_admin"], "psb")
    assert amr.client.get(f"/api/v1/work-items/{case_no}", headers=psb_reviewer).status_code == 404
    decided = amr.client.post(
        f"/api/v1/cases/{case_no}/decision", headers=psb_reviewer, json={"decision": "approve", "opinion": "越权"}
    )
    assert decided.status_code == 404 and decided.headers["content-type"].startswith("application/problem+json")
    acted = amr.client.post(
        f"/api/v1/work-items/{case_no}/actions",
        headers=psb_reviewer,
        json={"step": 1, "action": "approve", "opinion": "x"},
    )
    assert acted.status_code == 404
    for headers in (psb_reviewer, psb_admin):
        response = amr.client.get("/api/v1/worklist", headers=headers)
        assert response.json() == [] and response.headers["X-Total-Count"] == "0"
        assert amr.client.get("/api/v1/worklist/summary", headers=headers).json() == []
    assert amr.client.get(f"/api/v1/cases/{case_no}/attachments", headers=psb_reviewer).status_code == 404
    # Applicants and window clerks are not review staff.
    assert amr.client.get("/api/v1/worklist", headers=amr.tokens.applicant()).status_code == 403
    assert amr.client.get("/api/v1/worklist", headers=amr.tokens.staff("clerk", ["clerk"], None)).status_code == 403
    assert amr.events(EventTypes.CASE_APPROVED) == []


def test_another_departments_case_events_cost_no_database_work(amr: Department) -> None:
    # A department's system that reads the whole case topic (BS_CASE_TOPICS during an upgrade; every one did
    # before the departments' own topics): in a county of thirty departments, the other twenty-nine
    # departments' events must not each cost a transaction and an inbox row.
    permit = dispatched(item_code=ITEM_PERMIT, department="psb", form={"residence_address": "人民路2号"})
    clock = clock_changed(permit.subject, due_at=None, paused=True, days=3, department="psb")
    food = dispatched(item_code=ITEM_FOOD, department="amr")
    consumer = amr.runtime.consumer
    assert consumer is not None
    transactions = [0]
    sa_event.listen(amr.runtime.db.engine, "begin", lambda _conn: transactions.__setitem__(0, transactions[0] + 1))
    messages = [
        Message(Topics.CASE, 0, n, e.subject, e.encode(), {TYPE_HEADER: e.type}) for n, e in enumerate([permit, clock])
    ]
    consumer.handle_batch(messages)
    assert transactions == [0]
    consumer.handle_batch([Message(Topics.CASE, 0, 2, food.subject, food.encode(), {TYPE_HEADER: food.type})])
    assert transactions[0] > 0 and _count(amr) == 1
    with amr.runtime.db.session() as session:
        assert session.scalars(select(inbox.c.event_id)).all() == [food.id]


def test_during_an_upgrade_a_dispatch_read_on_both_topics_is_handled_once(amr: Department) -> None:
    """BS_CASE_TOPICS=gov.case.v1,gov.case.dept.amr.v1 while service-management fills both: the same event
    (one id) comes twice, in one poll or in two, and makes one work item (docs/messaging.md)."""
    consumer = amr.runtime.consumer
    assert consumer is not None
    own = Topics.department_cases("amr")
    first, second = dispatched(item_code=ITEM_FOOD, department="amr"), dispatched(item_code=ITEM_FOOD, department="amr")

    def message(topic: str, offset: int, event: Event) -> Message:
        return Message(topic, 0, offset, event.subject, event.encode(), {TYPE_HEADER: event.type})

    consumer.handle_batch([message(Topics.CASE, 0, first), message(own, 0, first)])  # one poll
    consumer.handle_batch([message(own, 1, second)])
    consumer.handle_batch([message(Topics.CASE, 1, second)])  # the next poll
    assert _count(amr) == 2
    with amr.runtime.db.session() as session:
        assert sorted(session.scalars(select(inbox.c.event_id)).all()) == sorted([first.id, second.id])
