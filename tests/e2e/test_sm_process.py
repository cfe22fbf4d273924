"""A BPMN process uploaded for a new item drives its cases and survives a restart of the
service mid-case; bundles conclude after all their branches; a black-listed applicant is not
approved instantly and the stored explanation says why."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.e2e.platform import BUSINESS_FORM, FOOD_FORM, ITEM_INSTANT, ITEM_REVIEWED, Platform
from tests.service_management.e2e_helpers import (
    credit_version,
    fresh_applicant,
    restart_service_management,
    staff,
    wait_until,
)

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="https://gov.example/e2e">
  <bpmn:process id="signboard" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="intake"/>
    <bpmn:userTask id="intake" name="受理"/>
    <bpmn:sequenceFlow id="f1" sourceRef="intake" targetRef="g"/>
    <bpmn:exclusiveGateway id="g" default="f_no"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="g" targetRef="site_inspection">
      <bpmn:conditionExpression>intake_result == "accepted"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="rejected"/>
    <bpmn:endEvent id="rejected"/>
    <bpmn:userTask id="site_inspection" name="现场勘验"/>
    <bpmn:sequenceFlow id="f2" sourceRef="site_inspection" targetRef="department_review"/>
    <bpmn:userTask id="department_review" name="审批"/>
    <bpmn:sequenceFlow id="f3" sourceRef="department_review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_uploaded_process_survives_a_restart_mid_case(platform: Platform) -> None:
    code = f"330122-AMR-XK-{uuid.uuid4().int % 9000 + 1000}"
    with platform.client() as client:
        admin = staff(client, "admin")
        item = {
            "code": code,
            "name": "户外招牌设置备案",
            "item_type": "licensing",
            "department_code": "amr",
            "legal_basis": "《城市市容和环境卫生管理条例》第十一条",
            "statutory_days": 10,
            "committed_days": 3,
            "audience": ["person"],
            "materials": [{"code": "SQB", "name": "申请表", "form": "electronic", "required": True}],
            "form_fields": [{"name": "location", "label": "设置地点", "type": "string"}],
        }
        assert client.post("/api/v1/items", json=item, headers=admin).status_code == 201
        assert client.post(f"/api/v1/items/{code}/publish", headers=admin).status_code == 200
        refused = client.put(
            f"/api/v1/items/{code}/process",
            json={"bpmn_xml": BPMN.replace('intake_result == "accepted"', "__import__('os').getcwd()")},
            headers=admin,
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "bpmn_xml"
        uploaded = client.put(
            f"/api/v1/items/{code}/process",
            json={"bpmn_xml": BPMN, "time_limits": {"site_inspection": 2}},
            headers=admin,
        )
        assert uploaded.status_code == 201, uploaded.text

        applicant = fresh_applicant(client, "周招牌")
        case_no = applicant.file(code, {"location": "人民路1号"})
        waiting = [s["state"] for s in applicant.case(case_no)["states"] if s["left_at"] is None]
        assert waiting == ["site_inspection"] and applicant.case(case_no)["status"] == "accepted"

    restart_service_management(platform)

    with platform.client() as client:
        applicant.client = client
        reviewer = staff(client, "reviewer-amr")
        done = client.post(
            f"/api/v1/cases/{case_no}/tasks/site_inspection", json={"opinion": "现场符合要求"}, headers=reviewer
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "dispatched"
        wait_until(
            lambda: client.get("/api/v1/worklist", params={"page_size": 100}, headers=reviewer).json(),
            lambda items: case_no in [w["case_no"] for w in items],
        )
        client.post(
            f"/api/v1/cases/{case_no}/decision", headers=reviewer, json={"decision": "approve", "opinion": "同意"}
        )
        case = applicant.wait_for(case_no, "concluded")
        assert [p["step"] for p in case["progress"] if p["kind"] == "task_completed"] == ["site_inspection"]


def test_the_restaurant_bundle_concludes_only_after_both_branches(platform: Platform) -> None:
    with platform.client() as client:
        applicant = fresh_applicant(client, "吴开店")
        response = client.post(
            "/api/v1/bundles/330122-YJS-0001/applications",
            json={"forms": {ITEM_INSTANT: BUSINESS_FORM, ITEM_REVIEWED: FOOD_FORM}},
            headers=applicant.headers,
        )
        assert response.status_code == 201, response.text
        bundle_no = response.json()["bundle_no"]
        branches = {b["item_code"]: b["case_no"] for b in response.json()["branches"]}
        applicant.wait_for(branches[ITEM_INSTANT], "concluded")  # instant approval

        def bundle() -> dict[str, object]:
            return dict(client.get(f"/api/v1/bundle-applications/{bundle_no}", headers=applicant.headers).json())

        assert bundle()["status"] == "in_progress"
        reviewer = staff(client, "reviewer-amr")
        wait_until(
            lambda: client.get("/api/v1/worklist", params={"page_size": 100}, headers=reviewer).json(),
            lambda items: branches[ITEM_REVIEWED] in [w["case_no"] for w in items],
        )
        assert bundle()["status"] == "in_progress"
        client.post(
            f"/api/v1/cases/{branches[ITEM_REVIEWED]}/decision",
            headers=reviewer,
            json={"decision": "approve", "opinion": "准予"},
        )
        applicant.wait_for(branches[ITEM_REVIEWED], "concluded")
        assert wait_until(bundle, lambda b: b["status"] == "concluded")["concluded_at"]
        # The applicant's own list, through the gateway: this application, its status from its branches.
        mine = client.get("/api/v1/bundle-applications", params={"page_size": 5}, headers=applicant.headers)
        assert mine.status_code == 200 and mine.headers["X-Total-Count"] == "1", mine.text
        assert [(a["bundle_no"], a["overall_status"]) for a in mine.json()] == [(bundle_no, "concluded")]


def test_a_black_listed_applicant_is_not_approved_instantly(platform: Platform) -> None:
    with platform.client() as client:
        applicant = fresh_applicant(client, "郑失信")
        record = client.post(
            "/api/v1/credit/records",
            json={
                "subject": applicant.id_number,
                "list": "black",
                "reason": "拒不履行法院判决",
                "valid_from": str(dt.date.today() - dt.timedelta(days=1)),
            },
            headers=staff(client, "reviewer-amr"),
        )
        assert record.status_code == 201, record.text
        # service-management decides from its read model of the credit lists, fed by data-sharing.
        wait_until(lambda: credit_version(platform, applicant.id_number), lambda version: version is not None)
        case_no = applicant.file(ITEM_INSTANT, BUSINESS_FORM)
        reviewer = staff(client, "reviewer-amr")
        wait_until(
            lambda: client.get("/api/v1/worklist", params={"page_size": 100}, headers=reviewer).json(),
            lambda items: case_no in [w["case_no"] for w in items],
        )
        case = applicant.case(case_no)
        assert case["status"] == "dispatched"  # waiting for a reviewer, not approved by the table
        [explanation] = case["decisions"]
        assert explanation["instant"] is False and "失信黑名单" in explanation["explanation"]
        assert explanation["inputs"]["applicant"]["credit"]["black_listed"] is True
