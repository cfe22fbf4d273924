"""Bundles (一件事一次办): one application, shared materials, a case per item dispatched in
parallel, concluded only when every branch has ended."""

from __future__ import annotations

from typing import Any

from gov_common.events import EventTypes
from service_management.events import BUNDLE_CONCLUDED
from tests.service_management.conftest import (
    BUSINESS_FORM,
    FOOD_FORM,
    ITEM_INSTANT,
    ITEM_REVIEWED,
    OTHER_PERSON,
    PDF,
    SM,
)

RESTAURANT = "330122-YJS-0001"


def test_the_restaurant_bundle_concludes_only_after_all_branches(any_sm: SM) -> None:
    sm = any_sm
    bundles = sm.client.get("/api/v1/bundles").json()
    assert [(b["code"], b["name"]) for b in bundles] == [(RESTAURANT, "开办餐饮店一件事")]
    detail = sm.client.get(f"/api/v1/bundles/{RESTAURANT}").json()
    codes = [m["code"] for m in detail["materials"]]
    assert len(codes) == len(set(codes)) and "BJT" in codes  # each shared material asked for once

    applicant = sm.person()
    upload = sm.client.post("/api/v1/files", files={"file": ("layout.pdf", PDF)}, headers=applicant).json()
    response = sm.client.post(
        f"/api/v1/bundles/{RESTAURANT}/applications",
        json={
            "forms": {ITEM_INSTANT: BUSINESS_FORM, ITEM_REVIEWED: FOOD_FORM},
            "materials": [{"code": "BJT", "file_id": upload["file_id"]}],
        },
        headers=applicant,
    )
    assert response.status_code == 201, response.text
    application = response.json()
    bundle_no = application["bundle_no"]
    assert application["status"] == "in_progress"
    branches = {b["item_code"]: b for b in application["branches"]}
    assert set(branches) == {ITEM_INSTANT, ITEM_REVIEWED}
    assert {b["status"] for b in branches.values()} == {"dispatched"}

    dispatched = {e.data["item_code"]: e.data for e in sm.events(EventTypes.CASE_DISPATCHED)}
    for code in (ITEM_INSTANT, ITEM_REVIEWED):
        assert dispatched[code]["bundle"] == {"bundle_no": bundle_no, "branch": code}
    assert dispatched[ITEM_REVIEWED]["materials"][0]["file_id"] == upload["file_id"]  # shared material
    assert dispatched[ITEM_INSTANT]["materials"] == []  # that item does not ask for it

    # The business registration concludes first: the bundle is still in progress.
    sm.approve(branches[ITEM_INSTANT]["case_no"], automated=True)
    sm.issue_licence(branches[ITEM_INSTANT]["case_no"], "AMR-1")
    state = sm.client.get(f"/api/v1/bundle-applications/{bundle_no}", headers=applicant).json()
    assert state["status"] == "in_progress" and state["concluded_at"] is None
    assert not sm.events(BUNDLE_CONCLUDED)

    sm.approve(branches[ITEM_REVIEWED]["case_no"])
    state = sm.client.get(f"/api/v1/bundle-applications/{bundle_no}", headers=applicant).json()
    assert state["status"] == "in_progress"  # approved, the food licence is not issued yet
    sm.issue_licence(branches[ITEM_REVIEWED]["case_no"], "AMR-2")
    state = sm.client.get(f"/api/v1/bundle-applications/{bundle_no}", headers=applicant).json()
    assert state["status"] == "concluded" and {b["status"] for b in state["branches"]} == {"concluded"}
    [event] = sm.events(BUNDLE_CONCLUDED)
    assert event.subject == bundle_no and len(event.data["cases"]) == 2
    assert (
        sm.client.get(f"/api/v1/bundle-applications/{bundle_no}", headers=sm.person("110101199003077758")).status_code
        == 404
    )


def test_a_denied_branch_also_ends_the_bundle(sm: SM) -> None:
    applicant = sm.person()
    application = sm.client.post(
        f"/api/v1/bundles/{RESTAURANT}/applications",
        json={"forms": {ITEM_INSTANT: BUSINESS_FORM, ITEM_REVIEWED: FOOD_FORM}},
        headers=applicant,
    ).json()
    branches = {b["item_code"]: b["case_no"] for b in application["branches"]}
    sm.deliver(
        EventTypes.CASE_DENIED, {"case_no": branches[ITEM_REVIEWED], "decided_by": "审批员", "opinion": "场所不符"}
    )
    assert (
        sm.client.get(f"/api/v1/bundle-applications/{application['bundle_no']}", headers=applicant).json()["status"]
        == "in_progress"
    )
    sm.approve(branches[ITEM_INSTANT], license=False)
    done = sm.client.get(f"/api/v1/bundle-applications/{application['bundle_no']}", headers=applicant).json()
    assert done["status"] == "concluded"
    assert {b["status"] for b in done["branches"]} == {"denied", "concluded"}


def test_bundle_input_errors_name_the_field(sm: SM) -> None:
    applicant = sm.person()
    url = f"/api/v1/bundles/{RESTAURANT}/applications"
    missing = sm.client.post(url, json={"forms": {ITEM_INSTANT: BUSINESS_FORM}}, headers=applicant)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"].startswith(f"forms.{ITEM_REVIEWED}.")
    foreign = sm.client.post(url, json={"forms": {"330122-PSB-XK-0001": {}}}, headers=applicant)
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "forms.330122-PSB-XK-0001"
    assert sm.client.post("/api/v1/bundles/NOPE/applications", json={"forms": {}}, headers=applicant).status_code == 404


def _file(sm: SM, applicant: dict[str, str]) -> dict[str, Any]:
    response = sm.client.post(
        f"/api/v1/bundles/{RESTAURANT}/applications",
        json={"forms": {ITEM_INSTANT: BUSINESS_FORM, ITEM_REVIEWED: FOOD_FORM}},
        headers=applicant,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _mine(sm: SM, headers: dict[str, str], **params: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    response = sm.client.get("/api/v1/bundle-applications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json(), dict(response.headers)


def test_applicants_list_their_own_bundle_applications_newest_first_on_both_databases(any_sm: SM) -> None:
    sm = any_sm
    applicant, other = sm.person(), sm.person(OTHER_PERSON, name="李四")
    first, second, third = _file(sm, applicant), _file(sm, applicant), _file(sm, applicant)
    theirs = _file(sm, other)
    # Only the branch statuses say how far an application is: refused beats running, all concluded is done.
    cases_of = {a["bundle_no"]: {b["item_code"]: b["case_no"] for b in a["branches"]} for a in (first, second)}
    sm.deliver(EventTypes.CASE_DENIED, {"case_no": cases_of[first["bundle_no"]][ITEM_REVIEWED], "decided_by": "审批员"})
    for code, licence in ((ITEM_INSTANT, "AMR-1"), (ITEM_REVIEWED, "AMR-2")):
        sm.approve(cases_of[second["bundle_no"]][code])
        sm.issue_licence(cases_of[second["bundle_no"]][code], licence)

    listed, headers = _mine(sm, applicant)
    assert [a["bundle_no"] for a in listed] == [third["bundle_no"], second["bundle_no"], first["bundle_no"]]
    assert theirs["bundle_no"] not in [a["bundle_no"] for a in listed]
    assert (headers["x-total-count"], headers["x-page"], headers["x-page-size"]) == ("3", "1", "20")
    newest = listed[0]
    assert (newest["bundle_code"], newest["bundle_name"]) == (RESTAURANT, "开办餐饮店一件事")
    assert newest["filed_at"] == third["created_at"] and newest["concluded_at"] is None
    summary = {a["bundle_no"]: (a["overall_status"], a["ended_count"], a["branch_count"]) for a in listed}
    assert summary == {
        third["bundle_no"]: ("in_progress", 0, 2),
        second["bundle_no"]: ("concluded", 2, 2),
        first["bundle_no"]: ("some_denied", 1, 2),
    }

    page, headers = _mine(sm, applicant, page=2, page_size=2)
    assert [a["bundle_no"] for a in page] == [first["bundle_no"]]
    assert (headers["x-total-count"], headers["x-page"], headers["x-page-size"]) == ("3", "2", "2")
    assert [a["bundle_no"] for a in _mine(sm, other)[0]] == [theirs["bundle_no"]]


def test_the_bundle_list_is_for_applicants_and_checks_its_paging(sm: SM) -> None:
    assert sm.client.get("/api/v1/bundle-applications").status_code == 401
    staff = sm.client.get("/api/v1/bundle-applications", headers=sm.staff("clerk"))
    assert staff.status_code == 403 and staff.headers["content-type"] == "application/problem+json"
    assert staff.json()["code"] == "forbidden"
    for params, field in (({"page": 0}, "page"), ({"page_size": 101}, "page_size"), ({"page": "x"}, "page")):
        bad = sm.client.get("/api/v1/bundle-applications", params=params, headers=sm.person())
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json", params
        assert bad.json()["errors"][0]["field"] == field, params
    empty, headers = _mine(sm, sm.person())
    assert empty == [] and headers["x-total-count"] == "0"
