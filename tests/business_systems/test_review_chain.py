"""Review chains: a three-step chain with a send-back, who may act on which step, and the events
service-management's timeline is built from."""

from __future__ import annotations

from typing import Any

from gov_common.events import EventTypes
from tests.business_systems.support import ITEM_FOOD, Department

THREE_STEPS = {
    "steps": [
        {"name": "handle", "role": "handler"},
        {"name": "review", "role": "reviewer"},
        {"name": "approve", "role": "approver"},
    ]
}


def _act(amr: Department, role: str, case_no: str, step: int, action: str, opinion: str) -> Any:
    return amr.client.post(
        f"/api/v1/work-items/{case_no}/actions",
        headers=amr.as_(role),
        json={"step": step, "action": action, "opinion": opinion},
    )


def _configure(amr: Department, body: dict[str, Any] = THREE_STEPS) -> None:
    response = amr.client.put(f"/api/v1/review-chains/{ITEM_FOOD}", headers=amr.as_("department_admin"), json=body)
    assert response.status_code == 200, response.text


def test_a_three_step_chain_with_a_send_back_records_every_step_and_ends_approved(amr: Department) -> None:
    _configure(amr)
    case_no = amr.file(item_code=ITEM_FOOD)
    work = amr.client.get(f"/api/v1/work-items/{case_no}", headers=amr.as_("handler")).json()
    assert [s["label"] for s in work["chain"]] == ["承办", "审核", "批准"] and work["current_step"] == 1
    assert work["handler"] == "food-business"

    assert _act(amr, "handler", case_no, 1, "pass", "材料齐全，拟同意").status_code == 200
    sent = _act(amr, "reviewer", case_no, 2, "send_back", "场所平面图不清晰，请核实")
    assert sent.status_code == 200, sent.text
    assert sent.json()["current_step"] == 1
    # Back at step 1: the handler sees it again, with the reason, and the reviewer no longer does.
    [entry] = amr.client.get("/api/v1/worklist", headers=amr.as_("handler")).json()
    assert entry["case_no"] == case_no and entry["step"]["name"] == "handle"
    assert (
        entry["last_action"]["action"] == "send_back" and entry["last_action"]["opinion"] == "场所平面图不清晰，请核实"
    )
    assert amr.client.get("/api/v1/worklist", headers=amr.as_("reviewer")).json() == []

    assert _act(amr, "handler", case_no, 1, "pass", "已现场核实，平面图已补充").status_code == 200
    assert _act(amr, "reviewer", case_no, 2, "pass", "审核通过").status_code == 200
    final = _act(amr, "approver", case_no, 3, "approve", "准予许可")
    assert final.status_code == 200, final.text
    body = final.json()
    assert body["status"] == "approved" and body["current_step"] is None and body["decided_by"] == "approver-amr"
    assert [(a["step_no"], a["action"], a["by"]) for a in body["actions"]] == [
        (1, "pass", "handler-amr"),
        (2, "send_back", "reviewer-amr"),
        (1, "pass", "handler-amr"),
        (2, "pass", "reviewer-amr"),
        (3, "approve", "approver-amr"),
    ]
    assert body["actions"][1]["sent_back_to"] == 1 and all(a["at"] for a in body["actions"])

    completed = amr.events(EventTypes.CASE_STEP_COMPLETED, case_no)
    assert [(e.data["step"], e.data["action"], e.data["by"]) for e in completed] == [
        ("handle", "pass", "handler-amr"),
        ("handle", "pass", "handler-amr"),
        ("review", "pass", "reviewer-amr"),
        ("approve", "approve", "approver-amr"),
    ]
    assert {"case_no", "step", "by", "opinion", "at"} <= completed[0].data.keys()
    [back] = amr.events(EventTypes.CASE_SENT_BACK, case_no)
    assert back.data["step"] == "review" and back.data["to_step"] == "handle"
    assert back.data["reason"] == "场所平面图不清晰，请核实" and back.data["by"] == "reviewer-amr"
    [approved] = amr.events(EventTypes.CASE_APPROVED, case_no)
    # The licence content comes from the food-business handler.
    licence = approved.data["license"]
    assert licence["fields"]["main_form"] == "餐饮服务经营者" and licence["trust_level"] == "A"
    assert licence["valid_until"].startswith(str(int(approved.data["decided_at"][:4]) + 5))
    assert all(e.source == "/business-systems/amr" for e in amr.events(case_no=case_no))


def test_only_the_steps_role_acts_and_only_on_the_current_step(amr: Department) -> None:
    _configure(amr)
    case_no = amr.file(item_code=ITEM_FOOD)
    wrong_role = _act(amr, "reviewer", case_no, 1, "pass", "越级")
    assert wrong_role.status_code == 403 and "承办人员" in wrong_role.json()["detail"]
    stale = _act(amr, "reviewer", case_no, 2, "pass", "还没到我")
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "step"
    first_back = _act(amr, "handler", case_no, 1, "send_back", "退回")
    assert first_back.status_code == 422 and first_back.json()["errors"][0]["field"] == "action"
    early = _act(amr, "handler", case_no, 1, "approve", "直接批准")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "action"
    # The one-call decision is only for the last step.
    decision = amr.client.post(
        f"/api/v1/cases/{case_no}/decision", headers=amr.as_("approver"), json={"decision": "approve", "opinion": "x"}
    )
    assert decision.status_code == 409
    assert _act(amr, "handler", case_no, 1, "pass", "拟同意").status_code == 200
    assert _act(amr, "reviewer", case_no, 2, "pass", "同意").status_code == 200
    last_pass = _act(amr, "approver", case_no, 3, "pass", "传给谁")
    assert last_pass.status_code == 422
    empty = _act(amr, "approver", case_no, 3, "deny", "")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "opinion"
    denied = amr.client.post(
        f"/api/v1/cases/{case_no}/decision",
        headers=amr.as_("approver"),
        json={"decision": "deny", "opinion": "经营场所不符合要求"},
    )
    assert denied.status_code == 200 and denied.json()["status"] == "denied"
    assert _act(amr, "approver", case_no, 3, "approve", "改主意").status_code == 409
    [event] = amr.events(EventTypes.CASE_DENIED, case_no)
    assert event.data["opinion"] == "经营场所不符合要求" and "license" not in event.data


def test_without_a_configured_chain_one_reviewer_decides(amr: Department) -> None:
    case_no = amr.file(item_code=ITEM_FOOD)
    chain = amr.client.get(f"/api/v1/review-chains/{ITEM_FOOD}", headers=amr.as_("reviewer")).json()
    assert chain["configured"] is False and [(s["name"], s["role"]) for s in chain["steps"]] == [
        ("approve", "reviewer")
    ]
    assert (
        amr.client.post(
            f"/api/v1/cases/{case_no}/decision",
            headers=amr.as_("handler"),
            json={"decision": "approve", "opinion": "x"},
        ).status_code
        == 403
    )
    response = amr.client.post(
        f"/api/v1/cases/{case_no}/decision",
        headers=amr.as_("reviewer"),
        json={"decision": "approve", "opinion": "准予"},
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    [step] = amr.events(EventTypes.CASE_STEP_COMPLETED, case_no)
    assert step.data["step"] == "approve" and step.data["by"] == "reviewer-amr"


def test_a_case_keeps_the_chain_it_arrived_with(amr: Department) -> None:
    before = amr.file(item_code=ITEM_FOOD)
    _configure(amr)
    after = amr.file(item_code=ITEM_FOOD)
    headers = amr.as_("department_admin")
    assert len(amr.client.get(f"/api/v1/work-items/{before}", headers=headers).json()["chain"]) == 1
    assert amr.client.get(f"/api/v1/work-items/{after}", headers=headers).json()["chain_version"] == 1
