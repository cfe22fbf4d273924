"""One-window intake: online and window cases, materials by upload or licence, accept, supplement
(the clock pauses and resumes in working days, across a holiday) and rejection — each step in the
timeline with who did it."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gov_common.auth import Principal
from gov_common.events import EventTypes
from gov_common.files import file_store_from_url
from service_management.cases import service as cases
from service_management.cases.service import ApplicantIdentity
from service_management.events import CASE_CLOCK_CHANGED
from service_management.intake import service as intake
from service_management.models import Case, Upload
from service_management.ports import Ports
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
    assert (case["applicant_type"], case["applicant_id_number"]) == ("person", PERSON)
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

    # The signed registration form (electronic, no licence) is not produced by a window filing: scanned.
    refused = sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={"note": "材料齐全"}, headers=clerk)
    assert refused.status_code == 409 and refused.json()["missing"] == ["DJB"]
    scan = _upload(sm, clerk, PDF + b"%djb")
    accepted = sm.client.post(
        f"/api/v1/intake/cases/{case_no}/accept",
        json={"note": "材料齐全", "materials": [{"code": "DJB", "file_id": scan}]},
        headers=clerk,
    )
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
    assert sorted(dispatched["materials"], key=lambda m: m["code"]) == [
        {"code": "DJB", "name": "就业登记表", "license_no": None, "file_id": scan, "paper_received": False}
        | {"provided_by": "窗口王"},
        {"code": "LDHT", "name": "劳动合同", "license_no": None, "file_id": file_id, "paper_received": False}
        | {"provided_by": "张三"},  # the applicant supplied it online
    ]

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
    assert [(c["paused"], c["due_at"]) for c in changes] == [  # the start is not reported (see clock.start)
        (True, "2026-10-16T16:00:00+00:00"),
        (False, "2026-10-21T16:00:00+00:00"),
    ]
    # Remaining on 29 Sep: 30 Sep, 8, 9, 10 (Sat), 12–16 Oct = 9; unchanged while paused; 9 again on resumption.
    assert [c["remaining_working_days"] for c in changes] == [9, 9]


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


def _window_case(sm: SM, clerk: dict[str, str], materials: list[dict[str, Any]] | None = None) -> str:
    body = {"item_code": ITEM_EMPLOYMENT, "applicant": WALK_IN, "form": EMPLOYMENT_FORM, "materials": materials or []}
    response = sm.client.post("/api/v1/intake/cases", json=body, headers=clerk)
    assert response.status_code == 201, response.text
    return str(response.json()["case_no"])


def test_the_open_supplement_request_and_past_ones_are_in_the_case_detail(any_sm: SM) -> None:
    sm = any_sm
    clerk = sm.staff("clerk", name="窗口王")
    applicant = sm.person()
    case_no = _window_case(sm, clerk)
    assert sm.case(case_no, applicant)["supplement"] is None and sm.case(case_no)["supplements"] == []
    asked = sm.client.post(
        f"/api/v1/intake/cases/{case_no}/supplement",
        json={"missing": ["LDHT", "DJB"], "note": "劳动合同须加盖单位公章"},
        headers=clerk,
    )
    assert asked.status_code == 200, asked.text
    seen = sm.case(case_no, applicant)  # what the applicant reads
    open_request = seen["supplement"]
    assert open_request["materials"] == [{"code": "LDHT", "name": "劳动合同"}, {"code": "DJB", "name": "就业登记表"}]
    assert open_request["reason"] == "劳动合同须加盖单位公章" and open_request["requested_by"] == "窗口王"
    assert open_request["supplied_at"] is None and seen["supplements"] == [open_request]

    file_id = _upload(sm, applicant)
    done = sm.client.post(
        f"/api/v1/cases/{case_no}/supplement",
        json={"materials": [{"code": "LDHT", "file_id": file_id}, {"code": "DJB", "file_id": file_id}]},
        headers=applicant,
    )
    assert done.status_code == 200, done.text
    after = sm.case(case_no, applicant)
    assert after["supplement"] is None
    [past] = after["supplements"]
    assert past["supplied_by"] == "张三" and past["supplied_at"] and past["reason"] == "劳动合同须加盖单位公章"

    # A second request is listed after the first; only it is open.
    sm.client.post(
        f"/api/v1/intake/cases/{case_no}/supplement", json={"missing": ["LDHT"], "note": "合同缺页"}, headers=clerk
    )
    again = sm.case(case_no, applicant)
    assert [r["reason"] for r in again["supplements"]] == ["劳动合同须加盖单位公章", "合同缺页"]
    assert again["supplement"]["materials"] == [{"code": "LDHT", "name": "劳动合同"}]


def test_a_window_acceptance_needs_every_required_material_provided(any_sm: SM) -> None:
    sm = any_sm
    clerk = sm.staff("clerk", name="窗口王")
    case_no = _window_case(sm, clerk)
    url = f"/api/v1/intake/cases/{case_no}/accept"
    # Neither the registration form (electronic, no licence type) nor the contract (copy) is there.
    refused = sm.client.post(url, json={}, headers=clerk)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["missing"] == ["DJB", "LDHT"] and refused.json()["errors"][0]["field"] == "materials"
    # A stable code beside the English message, for the UI to translate (and at the top for field-less errors).
    assert refused.json()["errors"][0]["code"] == "materials_missing" and refused.json()["code"] == "materials_missing"
    assert "就业登记表" in refused.json()["detail"] and "劳动合同" in refused.json()["detail"]

    def bad(materials: list[dict[str, Any]], field: str, code: str) -> None:
        response = sm.client.post(url, json={"materials": materials}, headers=clerk)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["code"]) == (field, code)

    # electronic: a scan is needed
    bad([{"code": "DJB", "paper_received": True}], "materials[0].paper_received", "paper_not_for_electronic")
    scan = _upload(sm, clerk)
    bad([{"code": "LDHT", "paper_received": True, "file_id": scan}], "materials[0]", "material_one_of")
    bad([{"code": "LDHT"}], "materials[0]", "material_one_of")  # nothing given
    bad([{"code": "LDHT", "paper_received": "maybe"}], "materials.0.paper_received", "bool_parsing")  # pydantic's
    bad([{"code": "NOPE", "file_id": scan}], "materials[0].code", "material_unknown")

    # The scan alone still leaves the contract missing, and nothing is kept from a refused acceptance.
    only_scan = sm.client.post(url, json={"materials": [{"code": "DJB", "file_id": scan}]}, headers=clerk)
    assert only_scan.status_code == 409 and only_scan.json()["missing"] == ["LDHT"]
    assert sm.case(case_no)["materials"] == []

    accepted = sm.client.post(
        url,
        json={"materials": [{"code": "DJB", "file_id": scan}, {"code": "LDHT", "paper_received": True}]},
        headers=clerk,
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "dispatched", accepted.text
    materials = {m["code"]: m for m in sm.case(case_no)["materials"]}
    assert materials["LDHT"]["paper_received"] is True and materials["LDHT"]["provided_by"] == "窗口王"
    assert materials["LDHT"]["file_id"] is None and materials["DJB"]["paper_received"] is False
    dispatched = next(e.data for e in sm.events(EventTypes.CASE_DISPATCHED) if e.subject == case_no)
    paper = {"code": "LDHT", "name": "劳动合同", "license_no": None, "file_id": None, "paper_received": True}
    assert paper | {"provided_by": "窗口王"} in dispatched["materials"]  # the department sees who confirmed it


def test_paper_confirmed_at_filing_and_online_cases_follow_the_same_rule(sm: SM) -> None:
    clerk = sm.staff("clerk", name="窗口王")
    scan = _upload(sm, clerk)
    case_no = _window_case(sm, clerk, [{"code": "DJB", "file_id": scan}, {"code": "LDHT", "paper_received": True}])
    assert sm.case(case_no)["missing_materials"] == []
    assert sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={}, headers=clerk).status_code == 200

    # An applicant cannot claim a paper was seen.
    body = {
        "item_code": ITEM_EMPLOYMENT,
        "form": EMPLOYMENT_FORM,
        "materials": [{"code": "LDHT", "paper_received": True}],
    }
    claimed = sm.client.post("/api/v1/cases", json=body, headers=sm.person())
    assert claimed.status_code == 422 and claimed.json()["errors"][0]["field"] == "materials[0].paper_received"
    assert claimed.json()["errors"][0]["code"] == "paper_clerk_only"

    # Online, the registration form is the filed form itself; the contract's copy is brought to the window.
    online = sm.file(ITEM_EMPLOYMENT, EMPLOYMENT_FORM)["case_no"]
    assert sm.case(online)["status"] == "submitted" and sm.case(online)["missing_materials"] == ["LDHT"]
    accepted = sm.client.post(
        f"/api/v1/intake/cases/{online}/accept",
        json={"materials": [{"code": "LDHT", "paper_received": True}]},
        headers=clerk,
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "dispatched", accepted.text


def test_the_same_scan_uploaded_twice_at_once_is_stored_once_and_both_uploads_succeed(
    pg_sm: SM, tmp_path: Path
) -> None:
    """A clerk scans one signed page for two materials; both uploads run at once (seen in the
    browser: the second insert of (file_id, owner) failed with a 500). The second transaction waits
    on the first's row in PostgreSQL's unique index, then finds it there."""
    ports = Ports(
        files=file_store_from_url(str(tmp_path / "race-files"), max_bytes=64 * 1024), credit=None, licences=None
    )  # type: ignore[arg-type]
    clerk = Principal(sub="s-clerk-race", account_type="staff", name="窗口人员", roles=frozenset({"clerk"}))
    second_done = threading.Event()
    failures: list[BaseException] = []

    def second_upload() -> None:
        try:
            with pg_sm.session() as session:
                intake.upload(session, ports, principal=clerk, data=PDF)
        except BaseException as exc:
            failures.append(exc)
        finally:
            second_done.set()

    with pg_sm.session() as first:
        stored = intake.upload(first, ports, principal=clerk, data=PDF)
        racer = threading.Thread(target=second_upload)
        racer.start()
        # The second upload cannot finish while the first holds the unique key uncommitted.
        assert not second_done.wait(1.0)
    racer.join(30)
    assert second_done.is_set() and failures == []
    with pg_sm.session() as session:
        rows = session.scalars(
            select(Upload).where(Upload.file_id == stored.file_id, Upload.owner_sub == clerk.sub)
        ).all()
    assert len(rows) == 1 and rows[0].content_type == "application/pdf" and rows[0].size == len(PDF)
    # Over HTTP, on the same database, uploading the same bytes again is still a 201 with the same id.
    again = pg_sm.client.post(
        "/api/v1/files", files={"file": ("a.pdf", PDF, "application/pdf")}, headers=pg_sm.staff("clerk")
    )
    assert again.status_code == 201 and again.json()["file_id"] == stored.file_id


def test_the_intake_queue_is_searched_filtered_and_sorted_on_the_server(any_sm: SM) -> None:
    sm = any_sm
    clerk = sm.staff("clerk", name="窗口王")
    filed = [sm.file(ITEM_EMPLOYMENT, EMPLOYMENT_FORM) for _ in range(2)]
    first, second = (case["case_no"] for case in filed)
    # The days they were filed on in Beijing, from the cases themselves: a day computed here could be the
    # next one if the test ran across midnight.
    first_day, last_day = (
        dt.datetime.fromisoformat(sm.case(case["case_no"])["created_at"])
        .astimezone(dt.timezone(dt.timedelta(hours=8)))
        .date()
        for case in filed
    )

    def queue(**params: str) -> list[str]:
        response = sm.client.get("/api/v1/intake/queue", headers=clerk, params=params)
        assert response.status_code == 200, response.text
        return [c["case_no"] for c in response.json() if c["case_no"] in (first, second)]

    assert queue() == [first, second]
    assert queue(sort="-filed") == [second, first]
    assert queue(q=second[-6:]) == [second]
    assert queue(q="张三") == [first, second] and queue(q="李四") == []
    assert queue(status="submitted") == [first, second] and queue(status="supplement_requested") == []
    assert queue(item_code=ITEM_EMPLOYMENT) == [first, second] and queue(item_code=ITEM_REVIEWED) == []
    assert queue(filed_from=first_day.isoformat(), filed_to=last_day.isoformat()) == [first, second]
    assert queue(filed_from=(last_day + dt.timedelta(days=1)).isoformat()) == []
    for params, field in (
        ({"sort": "applicant"}, "sort"),
        ({"status": "concluded"}, "status"),
        ({"filed_to": "not-a-day"}, "filed_to"),
        ({"filed_from": last_day.isoformat(), "filed_to": (last_day - dt.timedelta(days=1)).isoformat()}, "filed_to"),
    ):
        refused = sm.client.get("/api/v1/intake/queue", headers=clerk, params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in refused.text, refused.text
