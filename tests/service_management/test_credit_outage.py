"""An outage never changes a decision (issue 14): when the credit status is "unavailable" (the read
model of data-sharing's credit lists is not caught up, or has had no heartbeat from data-sharing for
too long: tests/service_management/test_credit_read_model.py), which is no fact about the applicant,
the instant-approval check refuses to decide on it and the request that would dispatch answers 503
with Retry-After, storing nothing; it is not filed as "credit not known → not instant". An answer
that is no clear status is still "not known" (fail safe, tests/service_management/test_rules.py)."""

from __future__ import annotations

from gov_common.events import EventTypes
from tests.service_management.conftest import BUSINESS_FORM, FOOD_FORM, ITEM_INSTANT, ITEM_REVIEWED, PDF, PERSON, SM


def _dispatched(sm: SM) -> list[dict]:
    return [e.data for e in sm.events(EventTypes.CASE_DISPATCHED)]


def _my_cases(sm: SM) -> list[dict]:
    response = sm.client.get("/api/v1/cases", headers=sm.person())
    assert response.status_code == 200, response.text
    return list(response.json())


def test_filing_an_instant_case_during_an_outage_is_a_503_and_files_nothing_then_succeeds(sm: SM) -> None:
    sm.credit.reachable = False
    body = {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}
    refused = sm.client.post("/api/v1/cases", json=body, headers=sm.person())
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["code"] == "credit_unavailable"
    assert _dispatched(sm) == [] and _my_cases(sm) == []

    sm.credit.reachable = True  # data-sharing is back: the same request, as the applicant retries it
    filed = sm.client.post("/api/v1/cases", json=body, headers=sm.person())
    assert filed.status_code == 201, filed.text
    [dispatched] = _dispatched(sm)
    assert dispatched["instant_approval"] is True
    assert dispatched["applicant"]["facts"]["credit"] == {"black_listed": False, "red_listed": False}
    [explanation] = sm.case(filed.json()["case_no"])["decisions"]
    assert explanation["instant"] is True


def test_accepting_a_window_case_of_an_instant_item_during_an_outage_is_a_503_and_changes_nothing(sm: SM) -> None:
    """The clerk files a walk-in case (nothing decided yet: filed during the outage) and accepts it,
    which dispatches: refused while the credit library is down, accepted and instant once it is back."""
    sm.credit.reachable = False
    clerk = sm.staff("clerk", name="窗口王")
    body = {
        "item_code": ITEM_INSTANT,
        "applicant": {"type": "person", "id_number": PERSON, "name": "张三"},
        "form": BUSINESS_FORM,
    }
    filed = sm.client.post("/api/v1/intake/cases", json=body, headers=clerk)
    assert filed.status_code == 201 and filed.json()["status"] == "submitted", filed.text
    case_no = filed.json()["case_no"]
    scans = [
        sm.client.post("/api/v1/files", files={"file": (f"{code}.pdf", PDF, "application/pdf")}, headers=clerk)
        for code in ("SQS", "SFZM")
    ]
    assert [r.status_code for r in scans] == [201, 201], [r.text for r in scans]
    acceptance = {
        "materials": [{"code": c, "file_id": r.json()["file_id"]} for c, r in zip(("SQS", "SFZM"), scans, strict=True)]
    }
    refused = sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json=acceptance, headers=clerk)
    assert refused.status_code == 503 and "Retry-After" in refused.headers, refused.text
    case = sm.case(case_no)
    assert case["status"] == "submitted" and case["decisions"] == [] and _dispatched(sm) == []
    sm.credit.reachable = True
    accepted = sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json=acceptance, headers=clerk)
    assert accepted.status_code == 200, accepted.text
    [dispatched] = _dispatched(sm)
    assert dispatched["case_no"] == case_no and dispatched["instant_approval"] is True


def test_an_item_without_instant_approval_is_filed_during_an_outage(sm: SM) -> None:
    """Nothing is decided by the credit status there: people review it, and see it was not known."""
    sm.credit.reachable = False
    filed = sm.file(ITEM_REVIEWED, FOOD_FORM)
    [dispatched] = _dispatched(sm)
    assert dispatched["case_no"] == filed["case_no"] and dispatched["instant_approval"] is False
    assert dispatched["applicant"]["facts"]["credit"] is None
