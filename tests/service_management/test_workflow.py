"""BPMN 2.0 case processes: uploaded as data and refused when they hold code, run by SpiffWorkflow
with a restricted expression engine, stored after every step and resumed after a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import select

from gov_common.events import EventTypes
from service_management.models import Case, CaseWorkflow, Item, ProcessDefinition
from service_management.rules import variables
from service_management.workflow import engine
from tests.service_management.conftest import EMPLOYMENT_FORM, ITEM_EMPLOYMENT, PERSON, SM, build_sm

NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'


def process(body: str, extra_ns: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} {extra_ns} id="defs" targetNamespace="https://gov.example/test">
  <bpmn:process id="employment" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="intake"/>
    <bpmn:userTask id="intake" name="受理"/>
    <bpmn:sequenceFlow id="f1" sourceRef="intake" targetRef="accepted"/>
    <bpmn:exclusiveGateway id="accepted" default="f_rejected"/>
    <bpmn:sequenceFlow id="f_rejected" sourceRef="accepted" targetRef="end_rejected"/>
    <bpmn:endEvent id="end_rejected"/>
    {body}
    <bpmn:userTask id="department_review" name="审批"/>
    <bpmn:sequenceFlow id="f9" sourceRef="department_review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


# After acceptance, a document check; accountants' registrations also get a site inspection.
WITH_STEPS = process(
    """
    <bpmn:sequenceFlow id="f2" sourceRef="accepted" targetRef="document_check">
      <bpmn:conditionExpression>intake_result == "accepted"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="document_check" name="材料核验"/>
    <bpmn:sequenceFlow id="f3" sourceRef="document_check" targetRef="inspect"/>
    <bpmn:exclusiveGateway id="inspect" default="f5"/>
    <bpmn:sequenceFlow id="f4" sourceRef="inspect" targetRef="site_inspection">
      <bpmn:conditionExpression>form.position == "会计" and documents_ok == true</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="inspect" targetRef="department_review"/>
    <bpmn:userTask id="site_inspection" name="实地核查"/>
    <bpmn:sequenceFlow id="f6" sourceRef="site_inspection" targetRef="department_review"/>
    """
)


def _step(condition: str = 'intake_result == "accepted"', element: str = "") -> str:
    return process(
        f"""
    <bpmn:sequenceFlow id="f2" sourceRef="accepted" targetRef="department_review">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    {element}"""
    )


def _upload(sm: SM, xml: str, limits: dict[str, int] | None = None) -> object:
    return sm.client.put(
        f"/api/v1/items/{ITEM_EMPLOYMENT}/process",
        json={"bpmn_xml": xml, "time_limits": limits or {}},
        headers=sm.staff("admin"),
    )


@pytest.mark.parametrize(
    ("xml", "why"),
    [
        (_step("__import__('os').system('id')"), "不是有效的表达式"),
        (_step("open('/etc/passwd').read()"), "不是有效的表达式"),
        (_step("import os"), "不是有效的表达式"),
        # One '=' as in FEEL is an assignment for zen: it gives a context, which Python counts as true.
        (_step('intake_result = "accepted"'), "单个“=”是赋值"),
        (_step('"accepted"'), '连线“f2”的条件结果是文字（"accepted"），而不是“是”或“否”（true 或 false）'),
        (_step("3"), "而不是“是”或“否”"),
        (
            _step(
                element='<bpmn:scriptTask id="evil"><bpmn:script>import os; os.remove("/tmp/x")</bpmn:script>'
                "</bpmn:scriptTask>"
            ),
            "scriptTask",
        ),
        (_step(element='<bpmn:serviceTask id="call"/>'), "serviceTask"),
        (_step(element='<bpmn:callActivity id="sub" calledElement="other"/>'), "callActivity"),
        (
            _step(
                element='<bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition>'
                "<bpmn:timeDuration>__import__('time').sleep(9)</bpmn:timeDuration>"
                "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            ),
            "intermediateCatchEvent",
        ),
        ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', "DOCTYPE"),
        ("<not-bpmn/>", "不是 BPMN"),
        (
            _step().replace('id="department_review"', 'id="review"').replace('"department_review"', '"review"'),
            "department_review",
        ),
        (
            process("", 'xmlns:x="urn:evil"').replace(
                '<bpmn:endEvent id="end"/>', '<bpmn:endEvent id="end"/><x:exec/>'
            ),
            "x",
        ),
    ],
)
def test_a_definition_with_code_or_unknown_elements_is_refused_at_upload(sm: SM, xml: str, why: str) -> None:
    response = _upload(sm, xml)
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["errors"][0]["field"] == "bpmn_xml"
    assert why in body["detail"], body["detail"]
    assert "parse" not in body["detail"] and "expected" not in body["detail"].lower()  # no zen English
    assert sm.client.get(f"/api/v1/items/{ITEM_EMPLOYMENT}/process").json()["version"] == 0  # still the default


def test_the_script_engine_never_runs_python() -> None:
    class Task:
        def __init__(self) -> None:
            self.data = {"x": 1}

    with pytest.raises(Exception, match="不允许"):
        engine.ENGINE.execute(Task(), "open('/tmp/pwned', 'w').write('x')")
    with pytest.raises(Exception, match="无法计算"):
        engine.ENGINE.evaluate(Task(), "__import__('os')")
    assert engine.ENGINE.evaluate(Task(), "x + 1 == 2") is True


def _window_case(sm: SM) -> str:
    scan = sm.client.post("/api/v1/files", files={"file": ("djb.pdf", b"%PDF-1.4\n%%EOF\n")}, headers=sm.staff("clerk"))
    body = {
        "item_code": ITEM_EMPLOYMENT,
        "applicant": {"type": "person", "id_number": PERSON, "name": "张三"},
        "form": EMPLOYMENT_FORM,
        "materials": [{"code": "DJB", "file_id": scan.json()["file_id"]}],  # the signed form, scanned
    }
    response = sm.client.post("/api/v1/intake/cases", json=body, headers=sm.staff("clerk"))
    assert response.status_code == 201, response.text
    case_no = str(response.json()["case_no"])
    upload = sm.client.post("/api/v1/files", files={"file": ("c.pdf", b"%PDF-1.4\n%%EOF\n")}, headers=sm.person())
    sm.client.post(
        f"/api/v1/intake/cases/{case_no}/supplement",
        json={"missing": ["LDHT"], "note": "劳动合同"},
        headers=sm.staff("clerk"),
    )
    sm.client.post(
        f"/api/v1/cases/{case_no}/supplement",
        json={"materials": [{"code": "LDHT", "file_id": upload.json()["file_id"]}]},
        headers=sm.person(),
    )
    accepted = sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={}, headers=sm.staff("clerk"))
    assert accepted.status_code == 200, accepted.text
    return case_no


def test_a_condition_that_gives_no_true_or_false_for_a_case_stops_with_409_and_changes_nothing(sm: SM) -> None:
    # Null with no data (allowed at upload: it may depend on the case), a string for this case's form.
    uploaded = _upload(sm, _step("form.position"))
    assert uploaded.status_code == 201, uploaded.text  # type: ignore[attr-defined]
    scan = sm.client.post("/api/v1/files", files={"file": ("djb.pdf", b"%PDF-1.4\n%%EOF\n")}, headers=sm.staff("clerk"))
    body = {
        "item_code": ITEM_EMPLOYMENT,
        "applicant": {"type": "person", "id_number": PERSON, "name": "张三"},
        "form": EMPLOYMENT_FORM,
        "materials": [
            {"code": "DJB", "file_id": scan.json()["file_id"]},
            {"code": "LDHT", "file_id": scan.json()["file_id"]},
        ],
    }
    filed = sm.client.post("/api/v1/intake/cases", json=body, headers=sm.staff("clerk"))
    assert filed.status_code == 201, filed.text
    case_no = str(filed.json()["case_no"])
    accepted = sm.client.post(f"/api/v1/intake/cases/{case_no}/accept", json={}, headers=sm.staff("clerk"))
    assert accepted.status_code == 409, accepted.text
    problem = accepted.json()
    assert problem["code"] == "process_condition_invalid" and problem["errors"][0]["field"] == "process"
    # The item by its name, the condition by the label of the form field it reads, no expression.
    assert problem["detail"] == (
        '事项“就业登记”的办理流程无法继续：判断“岗位”的条件结果是文字（"会计"），而不是“是”或“否”（true 或 false），'
        "请事项管理员修正流程定义"
    ), problem["detail"]
    assert sm.case(case_no)["status"] == "submitted" and _waiting(sm, case_no) == ["intake"]  # nothing kept
    assert engine.ENGINE.evaluate(type("T", (), {"data": {"a": 1}})(), "a == 1") is True
    with pytest.raises(engine.ConditionError, match=r"^判断“inspection_passed”的条件结果是一个对象（单个“=”是赋值"):
        engine.ENGINE.evaluate(type("T", (), {"data": {"a": 1}})(), "inspection_passed = true")


def _waiting(sm: SM, case_no: str) -> list[str]:
    return [s["state"] for s in sm.case(case_no)["states"] if s["left_at"] is None]


def test_an_uploaded_process_drives_the_case_through_its_steps(sm: SM) -> None:
    uploaded = _upload(sm, WITH_STEPS, {"document_check": 2, "site_inspection": 3})
    assert uploaded.status_code == 201, uploaded.text  # type: ignore[attr-defined]
    assert uploaded.json()["version"] == 1  # type: ignore[attr-defined]
    case_no = _window_case(sm)
    assert _waiting(sm, case_no) == ["document_check"] and sm.case(case_no)["status"] == "accepted"
    assert not [e for e in sm.events(EventTypes.CASE_DISPATCHED) if e.subject == case_no]

    hrss = sm.staff("reviewer", "hrss", name="核验员")
    url = f"/api/v1/cases/{case_no}/tasks"
    assert sm.client.post(f"{url}/site_inspection", json={}, headers=hrss).status_code == 409  # not there yet
    assert sm.client.post(f"{url}/department_review", json={}, headers=hrss).status_code == 422
    assert sm.client.post(f"{url}/document_check", json={}, headers=sm.staff("reviewer", "amr")).status_code == 404
    assert sm.client.post(f"{url}/document_check", json={}, headers=sm.person()).status_code == 403
    done = sm.client.post(
        f"{url}/document_check", json={"data": {"documents_ok": True}, "opinion": "材料真实"}, headers=hrss
    )
    assert done.status_code == 200, done.text
    assert _waiting(sm, case_no) == ["site_inspection"]  # the condition on form.position held
    sm.client.post(f"{url}/site_inspection", json={"opinion": "经营场所属实"}, headers=hrss)
    assert _waiting(sm, case_no) == ["department_review"]
    case = sm.case(case_no)
    assert case["status"] == "dispatched"
    assert [(p["kind"], p["step"], p["by"]) for p in case["progress"]] == [
        ("task_completed", "document_check", "核验员"),
        ("task_completed", "site_inspection", "核验员"),
    ]
    states = {s["state"]: s for s in case["states"]}
    assert states["document_check"]["due_at"] and states["department_review"]["due_at"] is None

    sm.approve(case_no, license=False)
    assert sm.case(case_no)["status"] == "concluded"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_process_survives_a_restart_of_the_service_mid_case(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'sm.db'}"
    else:
        url = request.getfixturevalue("new_database")("sm_restart")
    first = build_sm(url, tmp_path / "first")
    try:
        sm = next(first)
        _upload(sm, WITH_STEPS)
        case_no = _window_case(sm)
        hrss = sm.staff("reviewer", "hrss")
        url_tasks = f"/api/v1/cases/{case_no}/tasks"
        sm.client.post(f"{url_tasks}/document_check", json={"data": {"documents_ok": True}}, headers=hrss)
        assert _waiting(sm, case_no) == ["site_inspection"]
    finally:
        first.close()  # the service stops: its engine, app and threads are gone

    second = build_sm(url, tmp_path / "second")  # a new process on the same database
    try:
        again = next(second)
        assert _waiting(again, case_no) == ["site_inspection"]
        resumed = again.client.post(f"{url_tasks}/site_inspection", json={}, headers=again.staff("reviewer", "hrss"))
        assert resumed.status_code == 200, resumed.text
        assert resumed.json()["status"] == "dispatched" and _waiting(again, case_no) == ["department_review"]
        again.approve(case_no, license=False)
        assert again.case(case_no)["status"] == "concluded"
    finally:
        second.close()


def test_the_departments_progress_lands_in_the_case(sm: SM) -> None:
    case_no = sm.file()["case_no"]
    step = {"case_no": case_no, "department_code": "amr", "step": "handle", "step_label": "承办", "action": "pass"}
    sm.deliver(
        EventTypes.CASE_STEP_COMPLETED,
        {**step, "by": "承办员", "opinion": "材料齐全", "at": "2026-11-25T08:00:00+00:00"},
    )
    sent_back = {"case_no": case_no, "step": "审核", "to_step": "承办", "by": "审核员", "reason": "补充现场照片"}
    sm.deliver(EventTypes.CASE_SENT_BACK, sent_back)
    progress = sm.case(case_no)["progress"]
    assert [(p["kind"], p["step"], p["by"], p["opinion"]) for p in progress] == [
        ("step_completed", "承办", "承办员", "材料齐全"),
        ("sent_back", "审核 → 承办", "审核员", "补充现场照片"),
    ]
    assert sm.case(case_no)["status"] == "dispatched"  # progress is not a status change


def _stored_state(sm: SM, case_no: str) -> str:
    with sm.session() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        return str(session.get_one(CaseWorkflow, case.id).state)


def test_the_stored_state_holds_no_spec_and_is_read_back_after_the_parse_cache_is_gone(sm: SM) -> None:
    """Only the tasks' state is stored (issue 13: the spec is the definition's, parsed once per
    process); a process whose parsed spec is not cached (another replica, a restart) parses its
    definition again; and a state stored whole, spec included (before compact states), still runs."""
    _upload(sm, WITH_STEPS, {"document_check": 2})
    case_no = _window_case(sm)
    state = json.loads(_stored_state(sm, case_no))
    assert "spec" not in state and state["spec_digest"]
    engine._parsed_spec.cache_clear()
    engine._BY_DIGEST.clear()
    hrss = sm.staff("reviewer", "hrss")
    url = f"/api/v1/cases/{case_no}/tasks"
    done = sm.client.post(f"{url}/document_check", json={"data": {"documents_ok": True}}, headers=hrss)
    assert done.status_code == 200, done.text
    assert _waiting(sm, case_no) == ["site_inspection"]

    # The same process stored whole, as service-management stored every process before.
    with sm.session() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        row = session.get_one(CaseWorkflow, case.id)
        definition = session.get_one(ProcessDefinition, row.definition_id)
        workflow = engine.load(row.state, lambda: (definition.bpmn_xml.encode(), definition.process_id))
        row.state = engine.SERIALIZER.serialize_json(workflow)
    assert "spec" in json.loads(_stored_state(sm, case_no))
    assert sm.client.post(f"{url}/site_inspection", json={}, headers=hrss).status_code == 200
    assert _waiting(sm, case_no) == ["department_review"]
    assert "spec" not in json.loads(_stored_state(sm, case_no))  # written back compact
    sm.approve(case_no, license=False)
    assert sm.case(case_no)["status"] == "concluded"


def test_a_stored_state_is_never_run_with_another_definition(sm: SM) -> None:
    _upload(sm, WITH_STEPS)
    case_no = _window_case(sm)
    state = _stored_state(sm, case_no)
    engine._BY_DIGEST.clear()
    with pytest.raises(SpiffWorkflowException, match="does not belong"):
        engine.load(state, lambda: (engine.DEFAULT_BPMN, "case"))


def test_a_condition_is_named_by_the_chinese_names_staff_pick_its_variables_by() -> None:
    """The process's own data (受理结果) and the item's form fields (岗位), from rules/variables.py."""
    item = Item(form_fields=[{"name": "position", "label": "岗位", "type": "string"}])
    labels = variables.labels(item, "process")
    said = engine.describe('intake_result == "accepted" and form.position == "会计"', "无法计算", labels)
    assert said == "判断“受理结果”、“岗位”的条件无法计算"
    assert engine.describe("inspection_passed = true", "结果是一个对象", labels) == (
        "判断“inspection_passed”的条件结果是一个对象"  # a variable of no list keeps its name
    )


def test_a_process_uploaded_after_cases_of_its_item_drives_the_next_case(any_sm: SM) -> None:
    # The item's process so far (the platform's default) is kept by this process after the first case
    # (workflow.service.current_definition_version); a version uploaded since decides the next case at once.
    sm = any_sm
    before = _window_case(sm)
    assert "document_check" not in _waiting(sm, before)
    assert _upload(sm, WITH_STEPS, {"document_check": 2}).status_code == 201  # type: ignore[attr-defined]
    after = _window_case(sm)
    assert _waiting(sm, after) == ["document_check"]
    assert {s["state"]: s for s in sm.case(after)["states"]}["document_check"]["due_at"]  # its time limit
