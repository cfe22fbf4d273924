"""Bundles (一件事一次办): one application, shared materials, a case per item dispatched in
parallel, concluded only when every branch has ended."""

from __future__ import annotations

from gov_common.events import EventTypes
from service_management.events import BUNDLE_CONCLUDED
from tests.service_management.conftest import BUSINESS_FORM, FOOD_FORM, ITEM_INSTANT, ITEM_REVIEWED, PDF, SM

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
