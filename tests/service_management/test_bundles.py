"""Bundles (一件事一次办): one application, shared materials, a case per item dispatched in
parallel, concluded only when every branch has ended."""

from __future__ import annotations

from typing import Any

from gov_common.events import EventTypes
from service_management.events import BUNDLE_CONCLUDED
from tests.service_management.conftest import (
    BUSINESS_FORM,
    EMPLOYMENT_FORM,
    FOOD_FORM,
    ITEM_EMPLOYMENT,
    ITEM_INSTANT,
    ITEM_REVIEWED,
    OTHER_PERSON,
    PDF,
    SM,
)
from tests.service_management.test_catalogue import new_item

RESTAURANT = "330122-YJS-0001"
SETTLING = "330122-YJS-0002"  # two departments: hrss's employment registration and psb's residence permit
RESIDENCE = "330122-PSB-XK-0001"


def test_the_restaurant_bundle_concludes_only_after_all_branches(any_sm: SM) -> None:
    sm = any_sm
    bundles = sm.client.get("/api/v1/bundles").json()
    assert [(b["code"], b["name"]) for b in bundles] == [
        (RESTAURANT, "开办餐饮店一件事"),
        (SETTLING, "来县就业安居一件事"),
    ]
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
    # Nothing given for the food licence: what it misses is named in the combined form (一表申请).
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"].startswith("form."), missing.text
    partial = sm.client.post(url, json={"forms": {ITEM_INSTANT: BUSINESS_FORM, ITEM_REVIEWED: {}}}, headers=applicant)
    assert partial.status_code == 422 and partial.json()["errors"][0]["field"].startswith(f"forms.{ITEM_REVIEWED}.")
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


def test_a_bundle_of_two_departments_is_one_form(sm: SM) -> None:
    """一表申请: a field the two items both ask for is asked once and reaches both; each department's case
    gets only what its item asks; a missing answer is named in the combined form."""
    detail = sm.client.get(f"/api/v1/bundles/{SETTLING}").json()
    assert [(i["code"], i["department_code"]) for i in detail["items"]] == [
        (ITEM_EMPLOYMENT, "hrss"),
        (RESIDENCE, "psb"),
    ]
    assert all(i["department_name"] and i["department_name"] != i["department_code"] for i in detail["items"])
    fields = {f["name"]: f for f in detail["fields"]}
    assert [f["name"] for f in detail["fields"]].count("employer") == 1
    assert fields["employer"]["items"] == [ITEM_EMPLOYMENT, RESIDENCE]
    assert fields["employer"]["required"] is True  # optional for the permit, required for the registration
    assert fields["residence_months"]["items"] == [RESIDENCE] and fields["residence_months"]["type"] == "integer"

    applicant = sm.person()
    url = f"/api/v1/bundles/{SETTLING}/applications"
    form = {**EMPLOYMENT_FORM, "residence_address": "人民路2号", "residence_months": 8}
    missing = sm.client.post(url, json={"form": {k: v for k, v in form.items() if k != "position"}}, headers=applicant)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "form.position", missing.text
    unknown = sm.client.post(url, json={"form": {**form, "favourite_colour": "红"}}, headers=applicant)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "form.favourite_colour"
    assert not sm.events(EventTypes.CASE_DISPATCHED)  # nothing filed by the refused attempts

    response = sm.client.post(url, json={"form": form}, headers=applicant)
    assert response.status_code == 201, response.text
    branches = {b["item_code"]: b for b in response.json()["branches"]}
    assert {b["department_code"] for b in branches.values()} == {"hrss", "psb"}
    # Each branch follows its own item: the permit goes to psb at once, the registration waits for the window
    # to check the paper copy of the labour contract.
    assert {code: b["status"] for code, b in branches.items()} == {
        ITEM_EMPLOYMENT: "submitted",
        RESIDENCE: "dispatched",
    }
    [dispatched] = sm.events(EventTypes.CASE_DISPATCHED)
    assert dispatched.data["department_code"] == "psb" and dispatched.data["bundle"]["branch"] == RESIDENCE
    assert sm.case(branches[ITEM_EMPLOYMENT]["case_no"], applicant)["form"] == EMPLOYMENT_FORM
    assert sm.case(branches[RESIDENCE]["case_no"], applicant)["form"] == {
        "employer": EMPLOYMENT_FORM["employer"],
        "residence_address": "人民路2号",
        "residence_months": 8,
    }


def test_an_administrator_composes_publishes_and_retires_a_bundle(sm: SM) -> None:
    admin, url = sm.staff("admin"), "/api/v1/bundle-definitions"
    body = {
        "code": "330122-YJS-0009",
        "name": "个体户开业就业一件事",
        "description": "开业同时办理就业登记",
        "item_codes": [ITEM_INSTANT, ITEM_EMPLOYMENT],
        "themes": ["开办餐饮店"],
    }
    assert sm.client.post(url, json=body, headers=sm.staff("department_admin", "amr")).status_code == 403
    assert sm.client.post(url, json=body, headers=sm.person()).status_code == 403

    def refused(changes: dict[str, Any], field: str, code: str) -> None:
        response = sm.client.post(url, json={**body, **changes}, headers=admin)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["errors"][0]["field"] == field and problem.get("code") == code, problem

    refused({"item_codes": [ITEM_INSTANT, "330122-XXX-XK-9999"]}, "item_codes[1]", "item_not_found")
    refused({"item_codes": [ITEM_INSTANT, ITEM_INSTANT]}, "item_codes", "duplicate_item")
    # An entity-only item and a person-only item cannot be applied for at once.
    entity_only = new_item("330122-AMR-XK-0098", audience=["entity"])
    assert sm.client.post("/api/v1/items", json=entity_only, headers=admin).status_code == 201
    assert sm.client.post("/api/v1/items/330122-AMR-XK-0098/publish", headers=admin).status_code == 200
    refused({"item_codes": ["330122-AMR-XK-0098", ITEM_EMPLOYMENT]}, "item_codes", "bundle_audience_conflict")
    # Two items asking for `employer` as text and as a number cannot share one form.
    numeric = new_item("330122-AMR-XK-0097", form_fields=[{"name": "employer", "label": "单位编号", "type": "integer"}])
    assert sm.client.post("/api/v1/items", json=numeric, headers=admin).status_code == 201
    assert sm.client.post("/api/v1/items/330122-AMR-XK-0097/publish", headers=admin).status_code == 200
    refused({"item_codes": ["330122-AMR-XK-0097", ITEM_EMPLOYMENT]}, "item_codes", "bundle_field_conflict")
    assert sm.client.get("/api/v1/bundles/330122-YJS-0009").status_code == 404  # nothing kept

    created = sm.client.post(url, json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft" and created.json()["items"][1]["department_code"] == "hrss"
    assert sm.client.post(url, json=body, headers=admin).status_code == 409
    assert sm.client.get("/api/v1/bundles/330122-YJS-0009").status_code == 404  # a draft is not offered
    changed = sm.client.put(
        f"{url}/330122-YJS-0009", json={**body, "code": None} | {"name": "开业就业一件事"}, headers=admin
    )
    assert changed.status_code == 422  # the code is not part of a change
    changed = sm.client.put(
        f"{url}/330122-YJS-0009",
        json={k: v for k, v in body.items() if k != "code"} | {"name": "开业就业一件事"},
        headers=admin,
    )
    assert changed.status_code == 200 and changed.json()["name"] == "开业就业一件事"

    assert sm.client.post(f"{url}/330122-YJS-0009/publish", headers=admin).json()["status"] == "published"
    offered = sm.client.get("/api/v1/bundles/330122-YJS-0009").json()
    assert {f["name"] for f in offered["fields"]} >= {"business_name", "employer", "position"}
    assert "330122-YJS-0009" in [b["code"] for b in sm.client.get("/api/v1/bundles").json()]

    assert sm.client.post(f"{url}/330122-YJS-0009/retire", headers=admin).json()["status"] == "retired"
    assert sm.client.get("/api/v1/bundles/330122-YJS-0009").status_code == 404
    assert sm.client.post(f"{url}/330122-YJS-0009/publish", headers=admin).status_code == 409
    listed = {b["code"]: b["status"] for b in sm.client.get(url, headers=admin).json()}
    assert listed == {RESTAURANT: "published", SETTLING: "published", "330122-YJS-0009": "retired"}
