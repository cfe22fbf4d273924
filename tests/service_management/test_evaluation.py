"""Evaluations (好差评): once per ended case by its applicant; 2 or below opens a rectification
task with a deadline; satisfaction aggregated per item."""

from __future__ import annotations

from tests.service_management.conftest import ITEM_INSTANT, SM


def test_rating_rules_rectification_and_satisfaction(sm: SM) -> None:
    applicant = sm.person()
    case_no = sm.file()["case_no"]
    url = f"/api/v1/cases/{case_no}/evaluation"
    early = sm.client.post(url, json={"rating": 5}, headers=applicant)
    assert early.status_code == 409  # not ended yet
    sm.approve(case_no, automated=True)
    sm.issue_licence(case_no)
    assert sm.client.post(url, json={"rating": 6}, headers=applicant).status_code == 422
    assert sm.client.post(url, json={"rating": 1}, headers=sm.person("110101199003077758")).status_code == 404
    assert sm.client.post(url, json={"rating": 1}, headers=sm.staff("admin")).status_code == 403
    rated = sm.client.post(url, json={"rating": 2, "tags": ["办理慢"], "comment": "等了很久"}, headers=applicant)
    assert rated.status_code == 201, rated.text
    assert rated.json()["level"] == "不满意" and rated.json()["rectification_id"]
    assert sm.client.post(url, json={"rating": 5}, headers=applicant).status_code == 409  # once

    dept_admin = sm.staff("department_admin", "amr", name="amr科长")
    [task] = sm.client.get("/api/v1/rectifications", headers=dept_admin).json()
    assert task["case_no"] == case_no and task["status"] == "open" and task["rating"] == 2 and task["deadline"]
    assert sm.client.get("/api/v1/rectifications", headers=sm.staff("department_admin", "psb")).json() == []
    done_url = f"/api/v1/rectifications/{task['id']}/complete"
    assert (
        sm.client.post(done_url, json={"response": "x"}, headers=sm.staff("department_admin", "psb")).status_code == 404
    )
    done = sm.client.post(done_url, json={"response": "已约谈窗口人员并优化流程"}, headers=dept_admin)
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_by"] == "amr科长"
    assert sm.client.post(done_url, json={"response": "again"}, headers=dept_admin).status_code == 409

    second = sm.file()["case_no"]
    sm.approve(second, license=False)
    good = sm.client.post(f"/api/v1/cases/{second}/evaluation", json={"rating": 5}, headers=applicant).json()
    assert good["rectification_id"] is None
    satisfaction = sm.client.get(f"/api/v1/items/{ITEM_INSTANT}/satisfaction").json()
    assert (
        satisfaction["evaluations"] == 2 and satisfaction["average"] == 3.5 and satisfaction["satisfied_share"] == 0.5
    )
    assert satisfaction["distribution"]["非常满意"] == 1 and satisfaction["distribution"]["不满意"] == 1


def test_the_case_detail_says_whether_and_how_it_was_rated(any_sm: SM) -> None:
    sm = any_sm
    applicant = sm.person()
    case_no = sm.file()["case_no"]
    before = sm.case(case_no, applicant)
    assert before["rated"] is False and before["evaluation"] is None
    sm.approve(case_no, automated=True)
    sm.issue_licence(case_no)
    assert sm.case(case_no, applicant)["rated"] is False  # ended, not yet rated
    rated = sm.client.post(
        f"/api/v1/cases/{case_no}/evaluation", json={"rating": 4, "comment": "办得快"}, headers=applicant
    )
    assert rated.status_code == 201, rated.text
    after = sm.case(case_no, applicant)
    assert after["rated"] is True
    evaluation = after["evaluation"]
    assert (evaluation["rating"], evaluation["level"], evaluation["comment"]) == (4, "满意", "办得快")
    assert evaluation["at"] == rated.json()["created_at"]
    # Staff who may read the case see it too; nobody can rate it a second time.
    assert sm.case(case_no, sm.staff("reviewer", "amr"))["evaluation"]["rating"] == 4
    again = sm.client.post(f"/api/v1/cases/{case_no}/evaluation", json={"rating": 1}, headers=applicant)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "case_no"
    assert again.json()["errors"][0]["code"] == "case_already_rated"
    assert sm.case(case_no, applicant)["evaluation"]["rating"] == 4
