"""No call to data-sharing while a database transaction is open (cases/prefetch.py): the endpoints ask
for the credit status and the licence checks before their first statement; the event handlers ask
nothing and treat the credit status as not known (not instantly approvable). The fakes of conftest.py
fail any call made while the calling thread holds a database connection (`NoTransactionGuard`)."""

from __future__ import annotations

import pytest

from gov_common.events import EventTypes
from service_management.cases import prefetch
from service_management.cases import service as cases
from tests.service_management.conftest import (
    BUSINESS_FORM,
    EMPLOYMENT_FORM,
    FOOD_FORM,
    ITEM_EMPLOYMENT,
    ITEM_INSTANT,
    ITEM_REVIEWED,
    PERSON,
    SM,
)


def _dispatched(sm: SM, case_no: str) -> list[dict]:
    return [e.data for e in sm.events(EventTypes.CASE_DISPATCHED) if e.subject == case_no]


def test_the_guard_fails_a_call_made_inside_a_transaction(sm: SM) -> None:
    """The check the other tests rely on: a service function given the network ports inside its
    unit of work is caught."""
    with pytest.raises(AssertionError, match="holds 1 database connection"), sm.session() as session:
        cases.file_case(
            session,
            sm.runtime.extras["ports"],
            applicant=cases.ApplicantIdentity(sub="p", type="person", id_number=PERSON, name="张三"),
            item_code=ITEM_INSTANT,
            form=BUSINESS_FORM,
            materials=[],
        )


def test_filing_an_instant_case_asks_for_the_credit_status_once_before_the_transaction(any_sm: SM) -> None:
    sm = any_sm
    calls = sm.credit.guard.calls
    case_no = sm.file()["case_no"]
    assert sm.credit.asked == [PERSON] and sm.credit.guard.calls == calls + 1
    [dispatched] = _dispatched(sm, case_no)
    assert dispatched["instant_approval"] is True
    assert dispatched["applicant"]["facts"]["credit"] == {"black_listed": False, "red_listed": False}


def test_a_black_listed_applicant_fetched_beforehand_is_not_instant(sm: SM) -> None:
    sm.credit.black.add(PERSON)
    case_no = sm.file()["case_no"]
    [dispatched] = _dispatched(sm, case_no)
    assert dispatched["instant_approval"] is False
    assert dispatched["applicant"]["facts"]["credit"]["black_listed"] is True


def test_licences_are_checked_before_the_transaction_and_still_refused_with_their_field(sm: SM) -> None:
    sm.licences.usable["AMR-330122-000001"] = (PERSON, "business_license")
    calls = sm.licences.guard.calls
    sm.file(ITEM_REVIEWED, FOOD_FORM, materials=[{"code": "YYZZ", "license_no": "AMR-330122-000001"}])
    assert sm.licences.guard.calls > calls
    refused = sm.client.post(
        "/api/v1/cases",
        json={"item_code": ITEM_REVIEWED, "form": FOOD_FORM, "materials": [{"code": "YYZZ", "license_no": "NOPE"}]},
        headers=sm.person(),
    )
    assert refused.status_code == 422
    assert "materials[0].license_no" in [e["field"] for e in refused.json()["errors"]]


def test_fetch_refuses_to_run_inside_a_transaction(sm: SM) -> None:
    with sm.session() as session:
        cases.load_case(session, "nothing")
        with pytest.raises(RuntimeError, match="before the unit of work"):
            prefetch.fetch(session, sm.runtime.extras["ports"], subjects=[PERSON])
        prefetch.end_reads(session)
        assert prefetch.fetch(session, sm.runtime.extras["ports"], subjects=[PERSON]).credit.status(PERSON).known


def test_dispatch_inside_a_transaction_with_offline_ports_asks_nothing_and_is_not_instant(sm: SM) -> None:
    """What the event handlers get: today no handler can dispatch (they complete department_review,
    and only newly entered states dispatch), but should a process change that, the credit status is
    not known there and the case is not instantly approvable, rather than a call inside the transaction."""
    from service_management.cases.dispatch import dispatch
    from service_management.models import Item
    from service_management.supervision.calendar import load_calendar

    case_no = sm.file()["case_no"]  # instant approval: allowed when dispatched by the endpoint
    assert _dispatched(sm, case_no)[0]["instant_approval"] is True
    asked = list(sm.credit.asked)
    with sm.session() as session:
        case = cases.load_case(session, case_no)
        assert case is not None
        item = session.get_one(Item, case.item_id)
        offline = prefetch.offline(sm.runtime.extras["ports"])
        dispatch(session, offline, case=case, item=item, calendar=load_calendar(session), now=case.created_at)
    assert sm.credit.asked == asked
    again = _dispatched(sm, case_no)[-1]
    assert again["applicant"]["facts"]["credit"] is None and again["instant_approval"] is False


def test_the_event_handlers_are_given_offline_ports(sm: SM) -> None:
    case_no = sm.file()["case_no"]
    asked = list(sm.credit.asked)
    sm.approve(case_no, automated=True)
    sm.issue_licence(case_no)
    assert sm.case(case_no)["status"] == "concluded" and sm.credit.asked == asked
    handler = sm.runtime.handlers[EventTypes.CASE_APPROVED]
    ports = handler.__closure__[0].cell_contents  # type: ignore[attr-defined]
    assert isinstance(ports.credit, prefetch.Answers) and isinstance(ports.licences, prefetch.Answers)


def test_every_case_path_of_the_endpoints_asks_outside_the_transaction(sm: SM) -> None:
    """Window filing, acceptance, supplement with a licence, rejection: the guard in the fakes would
    turn a call inside the transaction into a 500."""
    clerk = sm.staff("clerk", name="窗口王")
    body = {"item_code": ITEM_EMPLOYMENT, "applicant": {"type": "person", "id_number": PERSON, "name": "张三"}}
    filed = sm.client.post("/api/v1/intake/cases", json={**body, "form": EMPLOYMENT_FORM}, headers=clerk)
    assert filed.status_code == 201, filed.text
    case_no = filed.json()["case_no"]
    rejected = sm.client.post(f"/api/v1/intake/cases/{case_no}/reject", json={"reason": "不属于本机关"}, headers=clerk)
    assert rejected.status_code == 200, rejected.text
    assert sm.credit.asked.count(PERSON) == 2  # filing and rejection each asked, before their transaction
