"""One-window intake: online and window cases, materials by upload or licence, accept, supplement
(the clock pauses and resumes in working days, across a holiday) and rejection — each step in the
timeline with who did it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from gov_common.events import EventTypes
from service_management.cases import service as cases
from service_management.cases.service import ApplicantIdentity
from service_management.events import CASE_CLOCK_CHANGED
from service_management.intake import service as intake
from service_management.models import Case
from tests.service_management.conftest import (
    EMPLOYMENT_FORM,
    FOOD_FORM,
    ITEM_EMPLOYMENT,
    ITEM_REVIEWED,
    PDF,
    PERSON,
    SM,
    at,
)

WALK_IN = {"type": "person", "id_number": PERSON, "name": "张三"}


def _upload(sm: SM, headers: dict[str, str], data: bytes = PDF, name: str = "a.pdf") -> str:
    response = sm.client.post("/api/v1/files", files={"file": (name, data, "application/pdf")}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["file_id"])


def test_online_case_of_an_all_electronic_item_is_accepted_at_once(sm: SM) -> None:
    case_no = sm.file()["case_no"]
    case = sm.case(case_no)
    assert [(s["status"], s["actor"]) for s in case["timeline"]][:2] == [("submitted", "张三"), ("accepted", "system")]
    assert case["status"] == "dispatched" and case["missing_materials"] == []
    dispatched = sm.events(EventTypes.CASE_DISPATCHED)[-1].data
    assert dispatched["due_at"] == case["clock"]["due_at"].replace("Z", "+00:00")
    assert dispatched["bundle"] is None and dispatched["materials"] == []


def test_online_case_needing_a_paper_copy_waits_for_the_clerk(sm: SM) -> None:
    clerk = sm.staff("clerk", name="窗口王")
    case_no = sm.file(ITEM_EMPLOYMENT, EMPLOYMENT_FORM)["case_no"]
    assert sm.case(case_no)["status"] == "submitted"
    assert case_no in [c["case_no"] for c in sm.client.get("/api/v1/intake/queue", headers=clerk).json()]
    refused = sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={}, headers=clerk)
    assert refused.status_code == 409 and refused.json()["missing"] == ["LDHT"]
    assert refused.json()["errors"][0]["field"] == "materials"
    assert sm.client.get("/api/v1/intake/queue", headers=sm.person()).status_code == 403


def test_window_case_supplement_then_accept(any_sm: SM) -> None:
    sm = any_sm
    clerk = sm.staff("clerk", name="窗口王")
    body = {"item_code": ITEM_EMPLOYMENT, "applicant": WALK_IN, "form": EMPLOYMENT_FORM}
    response = sm.client.post("/api/v1/intake/cases", json=body, headers=clerk)
    assert response.status_code == 201, response.text
    case_no = response.json()["case_no"]
    assert response.json()["status"] == "submitted"  # a window case is decided by the clerk

    asked = sm.client.post(
        f"/api/v1/intake/cases/{case_no}/supplement",
        json={"missing": ["LDHT"], "note": "请提供劳动合同复印件"},
        headers=clerk,
    )
    assert asked.status_code == 200 and asked.json()["status"] == "supplement_requested"
    case = sm.case(case_no)
    assert case["clock"]["state"] == "paused" and case["timeline"][-1]["actor"] == "窗口王"
    assert "劳动合同" in case["timeline"][-1]["note"]
    assert sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={}, headers=clerk).status_code == 409

    # The applicant (logged in with the same identity number) sees the case and supplements it.
    applicant = sm.person()
    assert sm.client.get(f"/api/v1/cases/{case_no}", headers=applicant).status_code == 200
    file_id = _upload(sm, applicant)
    wrong = sm.client.post(
        f"/api/v1/cases/{case_no}/supplement",
        json={"materials": [{"code": "DJB", "file_id": file_id}]},
        headers=applicant,
    )
    assert wrong.status_code == 422 and "LDHT" in wrong.json()["detail"]
    done = sm.client.post(
        f"/api/v1/cases/{case_no}/supplement",
        json={"materials": [{"code": "LDHT", "file_id": file_id}]},
        headers=applicant,
    )
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    assert sm.case(case_no)["clock"]["state"] == "running"

    accepted = sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={"note": "材料齐全"}, headers=clerk)
    assert accepted.status_code == 200 and accepted.json()["status"] == "dispatched"
    case = sm.case(case_no)
    assert [s["status"] for s in case["timeline"]] == [
        "submitted",
        "supplement_requested",
        "submitted",
        "accepted",
        "dispatched",
    ]
    assert case["channel"] == "window" and case["timeline"][0]["actor"] == "窗口王"
    dispatched = sm.events(EventTypes.CASE_DISPATCHED)[-1].data
    assert dispatched["materials"] == [{"code": "LDHT", "name": "劳动合同", "license_no": None, "file_id": file_id}]

    # The material file: for the applicant and the department's staff; not for others.
    url = f"/api/v1/cases/{case_no}/materials/{file_id}"
    assert sm.client.get(url, headers=applicant).content == PDF
    assert sm.client.get(url, headers=sm.staff("reviewer", "hrss")).status_code == 200
    assert sm.client.get(url, headers=sm.staff("reviewer", "amr")).status_code == 404
    assert sm.client.get(url, headers=sm.person("110101199003077758")).status_code == 404


def test_rejection_ends_the_case_with_its_reason(sm: SM) -> None:
    clerk = sm.staff("clerk", name="窗口王")
    body = {"item_code": ITEM_EMPLOYMENT, "applicant": WALK_IN, "form": EMPLOYMENT_FORM}
    case_no = sm.client.post("/api/v1/intake/cases", json=body, headers=clerk).json()["case_no"]
    assert sm.client.post(f"/api/v1/intake/cases/{case_no}/reject", json={}, headers=clerk).status_code == 422
    rejected = sm.client.post(
        f"/api/v1/intake/cases/{case_no}/reject", json={"reason": "不属于本机关职权范围"}, headers=clerk
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    case = sm.case(case_no)
    assert case["reason"] == "不属于本机关职权范围" and case["clock"]["state"] == "stopped"
    assert case["timeline"][-1] == {**case["timeline"][-1], "status": "rejected", "actor": "窗口王"}
    assert sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={}, headers=clerk).status_code == 409
    assert not [e for e in sm.events(EventTypes.CASE_DISPATCHED) if e.subject == case_no]


def test_materials_by_licence_and_upload_checks(sm: SM) -> None:
    applicant = sm.person()
    sm.licences.usable["AMR-330122-000001"] = (PERSON, "business_license")
    ok = sm.file(ITEM_REVIEWED, FOOD_FORM, materials=[{"code": "YYZZ", "license_no": "AMR-330122-000001"}])
    case = sm.case(ok["case_no"])
    assert case["materials"][0]["license_no"] == "AMR-330122-000001"

    def refused(materials: list[dict[str, Any]], field: str) -> None:
        response = sm.client.post(
            "/api/v1/cases",
            json={"item_code": ITEM_REVIEWED, "form": FOOD_FORM, "materials": materials},
            headers=applicant,
        )
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]

    refused([{"code": "YYZZ", "license_no": "AMR-330122-999999"}], "materials[0].license_no")  # not theirs
    refused([{"code": "NOPE", "license_no": "AMR-330122-000001"}], "materials[0].code")
    refused([{"code": "SQS", "license_no": "AMR-330122-000001"}], "materials[0].license_no")  # not replaceable
    refused([{"code": "BJT", "file_id": "a" * 64}], "materials[0].file_id")  # nobody's upload
    other = _upload(sm, sm.person("110101199003077758"), PDF + b"other")
    refused([{"code": "BJT", "file_id": other}], "materials[0].file_id")  # somebody else's upload
    refused([{"code": "BJT"}], "materials[0]")

    bad_type = sm.client.post("/api/v1/files", files={"file": ("x.pdf", b"MZ\x90\x00 not a pdf")}, headers=applicant)
    assert bad_type.status_code == 415 and bad_type.json()["errors"][0]["field"] == "file"
    too_big = sm.client.post("/api/v1/files", files={"file": ("x.pdf", PDF + b"0" * 70000)}, headers=applicant)
    assert too_big.status_code == 413
    assert (
        sm.client.post("/api/v1/files", files={"file": ("x.pdf", PDF)}, headers=sm.staff("reviewer", "amr")).status_code
        == 403
    )


def test_a_supplement_pauses_and_resumes_the_clock_in_working_days_across_a_holiday(any_sm: SM) -> None:
    """Filed Monday 28 September 2026 for an item committed to 10 working days: due 16 October
    (1–7 October is the National Day holiday, Saturday 10 October is worked). Paused on 29 September
    and resumed on 9 October: three working days passed (30 Sep, 8 and 9 Oct), so due 21 October."""
    sm = any_sm
    clerk = sm.staff("clerk", name="窗口王")
    with sm.session() as session:
        case = cases.file_case(
            session,
            sm.runtime.extras["ports"],
            applicant=ApplicantIdentity(sub="walk-in", type="person", id_number=PERSON, name="张三"),
            item_code=ITEM_REVIEWED,
            form=FOOD_FORM,
            materials=[],
            channel="window",
            now=at("2026-09-28"),
        )
        case_no = case.case_no
        assert case.due_date == dt.date(2026, 10, 16)
    with sm.session() as session:
        intake.request_supplement(
            session,
            clerk=_principal(sm, clerk),
            case_no=case_no,
            missing=["BJT"],
            note="补布局图",
            now=at("2026-09-29"),
        )
    file_id = _upload(sm, clerk)
    with sm.session() as session:
        intake.supplement(
            session,
            sm.runtime.extras["ports"],
            principal=_principal(sm, clerk),
            case_no=case_no,
            materials=[intake.MaterialRefIn(code="BJT", file_id=file_id)],
            now=at("2026-10-09", 15),
        )
    with sm.session() as session:
        row = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        assert row.due_date == dt.date(2026, 10, 21)
        assert row.due_at == dt.datetime(2026, 10, 21, 16, 0, tzinfo=dt.UTC)  # 24:00 in Shanghai
    changes = [e.data for e in sm.events(CASE_CLOCK_CHANGED) if e.subject == case_no]
    assert [(c["paused"], c["due_at"]) for c in changes] == [
        (False, "2026-10-16T16:00:00+00:00"),
        (True, "2026-10-16T16:00:00+00:00"),
        (False, "2026-10-21T16:00:00+00:00"),
    ]
    # Remaining on 29 Sep: 30 Sep, 8, 9, 10 (Sat), 12–16 Oct = 9; unchanged while paused; 9 again on resumption.
    assert [c["remaining_working_days"] for c in changes] == [10, 9, 9]


def _principal(sm: SM, headers: dict[str, str]) -> Any:
    return sm.runtime.verifier.verify(headers["Authorization"].split(" ", 1)[1])


def test_a_material_asked_for_again_must_be_supplied_anew(sm: SM) -> None:
    clerk = sm.staff("clerk")
    applicant = sm.person()
    first = _upload(sm, applicant)
    case_no = sm.file(ITEM_EMPLOYMENT, EMPLOYMENT_FORM, materials=[{"code": "LDHT", "file_id": first}])["case_no"]
    sm.client.post(
        f"/api/v1/intake/cases/{case_no}/supplement",
        json={"missing": ["LDHT"], "note": "劳动合同复印件不清晰，请重新提供"},
        headers=clerk,
    )
    second = _upload(sm, applicant, PDF + b"% clearer scan\n")
    nothing_new = sm.client.post(
        f"/api/v1/cases/{case_no}/supplement",
        json={"materials": [{"code": "DJB", "file_id": second}]},
        headers=applicant,
    )
    assert nothing_new.status_code == 422 and nothing_new.json()["missing"] == ["LDHT"]
    renewed = sm.client.post(
        f"/api/v1/cases/{case_no}/supplement",
        json={"materials": [{"code": "LDHT", "file_id": second}]},
        headers=applicant,
    )
    assert renewed.status_code == 200
    assert [m["file_id"] for m in sm.case(case_no)["materials"] if m["code"] == "LDHT"] == [second]
    assert sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", headers=clerk).json()["status"] == "dispatched"
