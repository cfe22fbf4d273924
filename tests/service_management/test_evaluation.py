"""Evaluations (好差评): once per ended case by its applicant; 2 or below opens a rectification
task with a deadline; satisfaction aggregated per item."""

from __future__ import annotations

from tests.service_management.conftest import EMPLOYMENT_FORM, ITEM_EMPLOYMENT, ITEM_INSTANT, SM


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
    rated = sm.client.post(url, json={"rating": 2, "reasons": ["too_slow"], "comment": "等了很久"}, headers=applicant)
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


def _bad_rating(sm: SM, case_no: str, comment: str) -> int:
    body = {"rating": 1, "reasons": ["other"], "comment": comment}
    rated = sm.client.post(f"/api/v1/cases/{case_no}/evaluation", json=body, headers=sm.person())
    assert rated.status_code == 201, rated.text
    return int(rated.json()["rectification_id"])


def test_rectifications_by_department_and_the_completed_task_in_full(any_sm: SM) -> None:
    sm = any_sm
    amr_case = sm.file()["case_no"]
    sm.approve(amr_case, license=False)
    amr_task = _bad_rating(sm, amr_case, "窗口态度差")
    hrss_case = sm.file(ITEM_EMPLOYMENT, EMPLOYMENT_FORM)["case_no"]
    rejected = sm.client.post(f"/api/v1/intake/cases/{hrss_case}/reject", json={"reason": "不属于本县受理范围"},
                              headers=sm.staff("clerk"))  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    hrss_task = _bad_rating(sm, hrss_case, "跑了三次")

    admin = sm.staff("admin")

    def ids(headers: dict[str, str], **params: str) -> tuple[list[int], str]:
        response = sm.client.get("/api/v1/rectifications", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()], response.headers["X-Total-Count"]

    assert ids(admin) == ([amr_task, hrss_task], "2")
    assert ids(admin, department="hrss") == ([hrss_task], "1")
    assert ids(admin, department="amr", status="open") == ([amr_task], "1")
    assert ids(admin, department="psb") == ([], "0")
    hrss_admin = sm.staff("department_admin", "hrss", name="人社科长")
    assert ids(hrss_admin) == ([hrss_task], "1")
    assert ids(hrss_admin, department="hrss") == ([hrss_task], "1")
    other = sm.client.get("/api/v1/rectifications", params={"department": "amr"}, headers=hrss_admin)
    assert other.status_code == 403 and other.json()["errors"][0] == {
        "field": "department", "message": other.json()["detail"], "code": "other_department",
    }  # fmt: skip
    too_long = sm.client.get("/api/v1/rectifications", params={"department": "x" * 33}, headers=admin)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "department"

    done = sm.client.post(f"/api/v1/rectifications/{hrss_task}/complete", json={"response": "已优化预约流程"},
                          headers=hrss_admin)  # fmt: skip
    assert done.status_code == 200, done.text
    task = done.json()
    assert (task["id"], task["case_no"], task["department_code"], task["status"]) == (
        hrss_task, hrss_case, "hrss", "done",
    )  # fmt: skip
    assert (task["rating"], task["comment"], task["response"], task["completed_by"]) == (
        1, "跑了三次", "已优化预约流程", "人社科长",
    )  # fmt: skip
    assert task["deadline"] and task["completed_at"] and task["created_at"]
    listed = sm.client.get("/api/v1/rectifications", params={"department": "hrss"}, headers=admin).json()
    assert listed == [task]  # the answer is the task as the list shows it


def test_the_applicants_ended_cases_not_yet_rated_are_listed_for_the_rating_entry(any_sm: SM) -> None:
    """好差评 entry (issue 17 point 5): the caller's ended cases without a rating, newest first, counted."""
    sm = any_sm
    applicant = sm.person()
    awaiting = "/api/v1/evaluations/awaiting"
    pending = sm.file()["case_no"]  # not ended: not listed
    first, second = sm.file()["case_no"], sm.file()["case_no"]
    for case_no in (first, second):
        sm.approve(case_no, automated=True)
        sm.issue_licence(case_no, license_no=f"AMR-{case_no}")
    other = sm.person("110101199003077758", "李四")
    theirs = sm.file(headers=other)["case_no"]
    sm.approve(theirs, license=False)

    listed = sm.client.get(awaiting, headers=applicant)
    assert listed.status_code == 200, listed.text
    assert [c["case_no"] for c in listed.json()] == [second, first]  # newest first; not the one under way
    assert listed.headers["x-total-count"] == "2"
    assert pending not in {c["case_no"] for c in listed.json()}
    assert [c["case_no"] for c in sm.client.get(awaiting, headers=other).json()] == [theirs]  # each their own

    rated = sm.client.post(f"/api/v1/cases/{second}/evaluation", json={"rating": 5}, headers=applicant)
    assert rated.status_code == 201, rated.text
    after = sm.client.get(awaiting, headers=applicant, params={"page_size": 1})
    assert [c["case_no"] for c in after.json()] == [first] and after.headers["x-total-count"] == "1"

    refused = sm.client.get(awaiting, headers=sm.staff("reviewer", "amr"))
    assert refused.status_code == 403 and refused.json()["code"] == "evaluation_applicant_only"
    assert sm.client.get(awaiting).status_code == 401
