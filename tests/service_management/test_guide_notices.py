"""The national service guide's fields of an item, what the printed notices need (the department's bodies for
reconsideration and litigation, the supplement deadline), the public progress look-up, Beijing-dated numbers
and the reasons of a bad rating — on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from gov_common.workdays import local_date
from service_management.cases import service as cases
from service_management.cases.service import ApplicantIdentity
from service_management.intake import service as intake
from service_management.models import SupplementRequest
from tests.service_management.conftest import (
    FOOD_FORM,
    ITEM_INSTANT,
    ITEM_REVIEWED,
    PERSON,
    SM,
    at,
)
from tests.service_management.test_catalogue import new_item

GUIDE: dict[str, Any] = {
    "acceptance_conditions": ["设置地点符合户外广告设置规划", "设施安全牢固"],
    "process_steps": [
        {"name": "受理", "description": "材料齐全的当场受理"},
        {"name": "审查", "description": "书面审查并现场核查", "days": 3},
    ],
    "location": "示范县行政服务中心二楼 A 区",
    "hours": "工作日 8:30—17:30",
    "consultation_phone": "0571-64120001",
    "complaint_phone": "12345",
    "visits": 1,
    "result_delivery": ["electronic", "window"],
    "booking": True,
}


def test_an_item_keeps_the_guide_fields_and_the_public_reads_them(pg_sm: SM) -> None:
    sm, admin, code = pg_sm, pg_sm.staff("admin"), "330122-AMR-XK-0081"
    materials = [
        {"code": "SQB", "name": "申请表", "form": "electronic", "required": True, "copies": 1, "note": "在线填写"},
        {"code": "YYZZ", "name": "营业执照", "form": "original", "required": True, "copies": 0, "source": "government"},
    ]
    created = sm.client.post("/api/v1/items", json=new_item(code, materials=materials, guide=GUIDE), headers=admin)
    assert created.status_code == 201, created.text
    assert sm.client.post(f"/api/v1/items/{code}/publish", headers=admin).status_code == 200
    public = sm.client.get(f"/api/v1/items/{code}")  # no login
    assert public.status_code == 200
    detail = public.json()
    assert detail["guide"] == GUIDE | {
        "process_steps": [
            {"name": "受理", "description": "材料齐全的当场受理", "days": None},
            GUIDE["process_steps"][1],
        ]
    }
    by_code = {m["code"]: m for m in detail["materials"]}
    assert (by_code["SQB"]["copies"], by_code["SQB"]["source"], by_code["SQB"]["note"]) == (1, "applicant", "在线填写")
    assert (by_code["YYZZ"]["copies"], by_code["YYZZ"]["source"]) == (0, "government")
    assert detail["fee"] == {"free": False, "amount": "50.00", "basis": "浙价费〔2020〕1号"}


def test_bad_guide_fields_are_refused_naming_them(pg_sm: SM) -> None:
    sm, admin = pg_sm, pg_sm.staff("admin")

    def refused(guide: dict[str, Any], **changes: Any) -> dict[str, Any]:
        body = new_item("330122-AMR-XK-0082", guide=guide, **changes)
        response = sm.client.post("/api/v1/items", json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return dict(response.json()["errors"][0])

    assert refused({"visits": 0})["field"] == "guide.visits"  # zero visits, but "at most one visit"
    assert refused({"visits": 2}, online_depth="zero_visits")["field"] == "guide.visits"
    assert refused({"consultation_phone": "call me"})["field"].endswith("consultation_phone")
    assert refused({"result_delivery": ["pigeon"]})["field"].endswith("result_delivery.0")
    assert refused({"process_steps": [{"name": ""}]})["field"].endswith("process_steps.0.name")
    bad_copies = new_item("330122-AMR-XK-0083", materials=[{"code": "A", "name": "甲", "form": "copy", "copies": 99}])
    response = sm.client.post("/api/v1/items", json=bad_copies, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"].endswith("materials.0.copies")


def test_the_demo_items_have_a_complete_guide_and_departments_name_their_remedy_bodies(pg_sm: SM) -> None:
    sm = pg_sm
    for code in (ITEM_INSTANT, ITEM_REVIEWED):
        guide = sm.client.get(f"/api/v1/items/{code}").json()["guide"]
        assert guide["acceptance_conditions"] and guide["process_steps"] and guide["location"] and guide["hours"]
        assert guide["consultation_phone"] and guide["complaint_phone"] and guide["result_delivery"]
    assert sm.client.get(f"/api/v1/items/{ITEM_INSTANT}").json()["guide"]["visits"] == 0  # 零跑动
    departments = {d["code"]: d for d in sm.client.get("/api/v1/departments").json()}
    assert departments["amr"]["reconsideration_body"] == "示范县人民政府"
    assert departments["amr"]["litigation_court"] == "示范县人民法院"


def _window_case_at(sm: SM, moment: dt.datetime) -> str:
    """A window case of 食品经营许可 filed at that moment: its number."""
    with sm.session() as session:
        case = cases.file_case(
            session,
            sm.runtime.extras["ports"],
            applicant=ApplicantIdentity(sub="walk-in", type="person", id_number=PERSON, name="张三"),
            item_code=ITEM_REVIEWED,
            form=FOOD_FORM,
            materials=[],
            channel="window",
            now=moment,
        )
        return case.case_no


def test_a_supplement_request_has_a_deadline_in_working_days_from_its_beijing_date(pg_sm: SM) -> None:
    """15 working days across the National Day holiday (1–7 October 2026; Saturday 10 October worked). At
    01:30 on 30 September in Beijing (17:30 UTC on the 29th) the count starts from the 30th."""
    sm = pg_sm
    clerk = sm.staff("clerk", name="窗口王")
    principal = sm.runtime.verifier.verify(clerk["Authorization"].split(" ", 1)[1])
    due: list[dt.date | None] = []
    for moment in (at("2026-09-29"), dt.datetime(2026, 9, 29, 17, 30, tzinfo=dt.UTC)):
        case_no = _window_case_at(sm, moment)
        with sm.session() as session:
            intake.request_supplement(
                session, clerk=principal, case_no=case_no, missing=["BJT"], note="补布局图", now=moment
            )
        with sm.session() as session:
            due.append(
                session.scalars(select(SupplementRequest.due_date).order_by(SupplementRequest.id.desc())).first()
            )
        shown = sm.case(case_no)["supplement"]
        assert shown["due_date"] == due[-1].isoformat()  # type: ignore[union-attr]
    assert due == [dt.date(2026, 10, 26), dt.date(2026, 10, 27)]


def test_case_numbers_carry_the_beijing_date(pg_sm: SM) -> None:
    """01:35 on 5 December in Beijing is 17:35 UTC on the 4th: the number carries the 5th."""
    sm = pg_sm
    moment = dt.datetime(2026, 12, 4, 17, 35, tzinfo=dt.UTC)
    assert local_date(moment) == dt.date(2026, 12, 5)
    case_no = _window_case_at(sm, moment)
    assert case_no.startswith("20261205") and len(case_no) == 18
    # And a day earlier in Beijing too: 15:59 UTC on the 4th is 23:59 on the 4th.
    assert cases.new_case_no(dt.datetime(2026, 12, 4, 15, 59, tzinfo=dt.UTC)).startswith("20261204")


def _look_up(sm: SM, case_no: str, last6: str) -> Any:
    return sm.client.post("/api/v1/case-progress", json={"case_no": case_no, "id_last6": last6})


def test_the_public_progress_look_up_needs_the_right_pair(pg_sm: SM) -> None:
    sm = pg_sm
    case_no = sm.file()["case_no"]  # filed by 张三, ID number ending 31002X
    found = _look_up(sm, case_no, PERSON[-6:])
    assert found.status_code == 200, found.text
    progress = found.json()
    assert progress["case_no"] == case_no and progress["applicant_name"] == "张*"
    assert progress["item_name"] == "个体工商户设立登记" and progress["department_name"] == "示范县市场监督管理局"
    assert progress["timeline"][0]["status"] == "submitted"
    assert all(set(s) == {"status", "at"} for s in progress["timeline"])  # no staff names, no notes
    assert "applicant_id_number" not in progress and "form" not in progress
    assert _look_up(sm, case_no, PERSON[-6:].lower()).status_code == 200  # the check character in either case

    wrong = _look_up(sm, case_no, "000000")
    unknown = _look_up(sm, "20991231" + "0" * 10, PERSON[-6:])
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.json() == unknown.json()  # nothing tells a wrong pair from an unknown number
    assert "请核对办件编号" in wrong.json()["detail"]

    malformed = _look_up(sm, case_no, "12345")
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"].endswith("id_last6")
    assert _look_up(sm, "x" * 40, "123456").json()["errors"][0]["field"].endswith("case_no")


def test_a_bad_rating_needs_a_reason_from_the_list_and_the_department_reads_it(pg_sm: SM) -> None:
    sm = pg_sm
    applicant = sm.person()
    reasons = sm.client.get("/api/v1/evaluation-reasons").json()
    codes = [r["code"] for r in reasons]
    assert "too_slow" in codes and "other" in codes and all(r["label"] for r in reasons)
    case_no = sm.file()["case_no"]
    sm.approve(case_no, automated=True)
    sm.issue_licence(case_no)
    url = f"/api/v1/cases/{case_no}/evaluation"

    def refused(body: dict[str, Any]) -> dict[str, Any]:
        response = sm.client.post(url, json=body, headers=applicant)
        assert response.status_code == 422, response.text
        return dict(response.json()["errors"][0])

    assert refused({"rating": 1})["code"] == "reasons_required"
    assert refused({"rating": 2, "reasons": []})["field"] == "reasons"
    assert refused({"rating": 1, "reasons": ["bad_weather"]})["field"].startswith("reasons")
    assert refused({"rating": 4, "reasons": ["too_slow"]})["code"] == "reasons_not_for_rating"
    rated = sm.client.post(
        url, json={"rating": 1, "reasons": ["too_slow", "poor_attitude", "too_slow"], "comment": ""}, headers=applicant
    )
    assert rated.status_code == 201, rated.text
    assert rated.json()["reasons"] == ["too_slow", "poor_attitude"]
    assert sm.case(case_no, applicant)["evaluation"]["reasons"] == ["too_slow", "poor_attitude"]
    [task] = sm.client.get("/api/v1/rectifications", headers=sm.staff("department_admin", "amr")).json()
    assert task["case_no"] == case_no and task["reasons"] == ["too_slow", "poor_attitude"]
