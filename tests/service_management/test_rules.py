"""Decision tables as versioned data edited through the API; the stored explanation of every
automated decision; credit facts from data-sharing — a black-listed applicant, or one whose credit
cannot be looked up, is never instantly approved, and the explanation says why."""

from __future__ import annotations

from typing import Any

from gov_common.events import EventTypes
from service_management.rules.tables import decision_table
from tests.service_management.conftest import BUSINESS_FORM, ITEM_INSTANT, ITEM_REVIEWED, MINOR, PERSON, SM

RED_LIST_TABLE = decision_table(
    "个体工商户设立秒批规则（信用分级）",
    [
        ("applicant.age", "申请人年龄"),
        ("applicant.credit.red_listed", "守信红名单"),
        ("form.capital", "资金数额（万元）"),
    ],
    [
        (["< 18", "", ""], False, "申请人未满十八周岁，转人工审核"),
        (["", "true", "<= 500"], True, "守信红名单申请人，资金数额500万元以内秒批"),
        (["", "", "> 100"], False, "资金数额超过100万元，转人工审核"),
        (["", "", ""], True, "符合秒批条件"),
    ],
)


def _dispatched(sm: SM, case_no: str) -> dict[str, Any]:
    return next(e.data for e in sm.events(EventTypes.CASE_DISPATCHED) if e.subject == case_no)


def test_decision_tables_are_versioned_data_edited_through_the_api(any_sm: SM) -> None:
    sm = any_sm
    admin = sm.staff("admin")
    url = f"/api/v1/items/{ITEM_INSTANT}/rules"
    assert [t["version"] for t in sm.client.get(url, headers=admin).json()] == [1]
    saved = sm.client.post(url, json={"graph": RED_LIST_TABLE, "comment": "红名单放宽"}, headers=admin)
    assert saved.status_code == 201, saved.text
    assert saved.json()["version"] == 2 and saved.json()["created_by"] == "admin"
    assert sm.client.get(f"/api/v1/items/{ITEM_INSTANT}").json()["rule_version"] == 2
    assert sm.client.get(f"{url}/1", headers=admin).json()["graph"]["nodes"][1]["name"] == "个体工商户设立秒批规则"

    trial = sm.client.post(
        f"{url}/evaluate",
        json={"facts": {"applicant": {"age": 30, "credit": {"red_listed": True}}, "form": {"capital": 300}}},
        headers=admin,
    ).json()
    assert trial["eligible"] is True and trial["version"] == 2 and trial["reason"].startswith("守信红名单")
    old = sm.client.post(
        f"{url}/evaluate",
        json={"facts": {"applicant": {"age": 30}, "form": {"capital": 300}}, "version": 1},
        headers=admin,
    ).json()
    assert old["eligible"] is False
    # A fact the engine cannot compare is named by its label, not by its path.
    huge = sm.client.post(
        f"{url}/evaluate", json={"facts": {"applicant": {"age": 30}, "form": {"capital": 10**20}}}, headers=admin
    )
    assert huge.status_code == 422
    assert huge.json()["errors"][0]["message"] == (
        "无法用这些数据计算决策表：资金数额（万元）：数值 100000000000000000000 超出了决策表可比较的范围"
    )

    # A red-listed applicant with 300万元 is instantly approvable under version 2 (a credit fact in the table).
    sm.credit.red.add(PERSON)
    case_no = sm.file(ITEM_INSTANT, {**BUSINESS_FORM, "capital": 300})["case_no"]
    event = _dispatched(sm, case_no)
    assert event["rule"]["version"] == 2 and event["instant_approval"] is True
    assert event["applicant"]["facts"]["credit"] == {"black_listed": False, "red_listed": True}
    check = sm.case(case_no)["decisions"][0]
    assert check["instant"] is True and check["rule_version"] == 2
    assert check["inputs"]["applicant"]["credit"]["red_listed"] is True and check["inputs"]["form"]["capital"] == 300


def test_tables_holding_code_or_not_compiling_are_refused(sm: SM) -> None:
    admin = sm.staff("admin")
    url = f"/api/v1/items/{ITEM_INSTANT}/rules"
    function_node = {
        "nodes": [{"id": "f", "type": "functionNode", "content": "export const handler = () => process.exit()"}],
        "edges": [],
    }
    for graph in (function_node, {"nodes": []}, {"nodes": [{"id": "x", "type": "decisionTableNode", "content": 5}]}):
        response = sm.client.post(url, json={"graph": graph}, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "graph"
    assert (
        sm.client.post(url, json={"graph": RED_LIST_TABLE}, headers=sm.staff("department_admin", "psb")).status_code
        == 403
    )
    assert sm.client.post(url, json={"graph": RED_LIST_TABLE}, headers=sm.staff("clerk")).status_code == 403
    assert sm.client.get(url, headers=sm.person()).status_code == 403


def test_a_black_listed_applicant_is_not_instantly_approved_and_the_explanation_says_why(any_sm: SM) -> None:
    sm = any_sm
    sm.credit.black.add(PERSON)
    case_no = sm.file()["case_no"]
    event = _dispatched(sm, case_no)
    assert event["instant_approval"] is False  # the department's system will not approve it by itself
    assert event["applicant"]["facts"]["credit"] == {"black_listed": True, "red_listed": False}
    assert sm.credit.asked == [PERSON]
    decisions = sm.case(case_no)["decisions"]
    assert len(decisions) == 1
    explanation = decisions[0]
    assert explanation["instant"] is False and "失信黑名单" in explanation["explanation"]
    assert explanation["inputs"]["applicant"]["credit"]["black_listed"] is True
    assert explanation["rule_version"] == 1 and explanation["output"]["eligible"] is True  # the table alone said yes


def test_an_unknown_credit_status_fails_safe(sm: SM) -> None:
    """An answer that is no clear status (not an outage: tests/service_management/test_credit_outage.py)."""
    sm.credit.readable = False
    case_no = sm.file()["case_no"]
    event = _dispatched(sm, case_no)
    assert event["instant_approval"] is False and event["applicant"]["facts"]["credit"] is None
    explanation = sm.case(case_no)["decisions"][0]
    assert explanation["instant"] is False and "信用状况无法核验" in explanation["explanation"]
    assert explanation["output"]["credit_known"] is False


def test_a_clean_applicant_is_instantly_approvable_and_the_departments_decision_is_stored(sm: SM) -> None:
    case_no = sm.file()["case_no"]
    assert _dispatched(sm, case_no)["instant_approval"] is True
    sm.approve(case_no, automated=True)
    sm.issue_licence(case_no)
    case = sm.case(case_no)
    assert case["status"] == "concluded"
    assert [d["kind"] for d in case["decisions"]] == ["instant_approval_check", "automated_approval"]
    automated = case["decisions"][1]
    assert automated["rule_version"] == 1 and automated["inputs"] == {"applicant": {"age": 30}}
    assert automated["explanation"] == "准予许可"


def test_a_minor_fails_the_table_and_the_explanation_says_why(sm: SM) -> None:
    case_no = sm.file(headers=sm.person(MINOR))["case_no"]
    explanation = sm.case(case_no)["decisions"][0]
    assert explanation["instant"] is False and explanation["explanation"] == "申请人未满十八周岁，转人工审核"
    assert explanation["inputs"]["applicant"]["age"] == 17
    # The department still evaluates the table itself (it is told instant approval is allowed).
    assert _dispatched(sm, case_no)["instant_approval"] is True


def test_items_without_instant_approval_store_no_check(sm: SM) -> None:
    case_no = sm.file(
        ITEM_REVIEWED, {"business_name": "x", "business_address": "y", "food_category": "z", "floor_area": 1}
    )["case_no"]
    assert sm.case(case_no)["decisions"] == []
    assert _dispatched(sm, case_no)["instant_approval"] is False


def test_decision_table_versions_are_paginated_the_house_way(any_sm: SM) -> None:
    sm = any_sm
    admin = sm.staff("admin")
    url = f"/api/v1/items/{ITEM_INSTANT}/rules"
    for n in range(2, 5):
        saved = sm.client.post(url, json={"graph": RED_LIST_TABLE, "comment": f"第{n}版"}, headers=admin)
        assert saved.status_code == 201, saved.text
    first = sm.client.get(url, headers=admin, params={"page_size": 3})
    assert first.status_code == 200 and isinstance(first.json(), list)
    assert [t["version"] for t in first.json()] == [1, 2, 3]  # oldest first
    assert (first.headers["X-Total-Count"], first.headers["X-Page"], first.headers["X-Page-Size"]) == ("4", "1", "3")
    second = sm.client.get(url, headers=admin, params={"page_size": 3, "page": 2})
    assert [t["version"] for t in second.json()] == [4] and second.headers["X-Page"] == "2"
    assert sm.client.get(url, headers=admin).headers["X-Page-Size"] == "20"  # the default page
    for bad in ({"page": "0"}, {"page_size": "101"}, {"page": "x"}):
        refused = sm.client.get(url, headers=admin, params=bad)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"] in {"page", "page_size"}, refused.json()
    assert sm.client.get(url).status_code == 401  # still staff only


def test_a_condition_or_output_that_does_not_parse_is_refused_with_where_it_is(sm: SM) -> None:
    """zen takes an unparsable condition as one that never matches: without this check a typo in
    a cell would quietly send every case to manual review."""
    admin = sm.staff("admin")
    url = f"/api/v1/items/{ITEM_INSTANT}/rules"
    before = sm.client.get(url, headers=admin).json()
    typo = decision_table(
        "带笔误的规则",
        [("applicant.age", "申请人年龄"), ("form.capital", "资金数额（万元）")],
        [
            (["< 18", ""], False, "未满十八周岁"),
            (["", ">> 100"], False, "资金过大"),  # the typo: row 2, 资金数额（万元）
            (["", ""], True, "符合条件"),
        ],
    )
    refused = sm.client.post(url, json={"graph": typo}, headers=admin)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["field"] == "graph" and problem["errors"][0]["code"] == "expression_invalid"
    assert problem["location"] == {"node": "带笔误的规则", "row": 2, "column": "资金数额（万元）"}
    # Where it is and what is wrong, in Chinese: neither the cell's text nor zen's English.
    assert problem["detail"] == (
        "决策表不可用：节点“带笔误的规则”第 2 行“资金数额（万元）”列的写法无法识别，请检查比较符号、数值、引号和括号"
    )
    assert ">>" not in problem["detail"] and "parser" not in problem["detail"]

    output_typo = decision_table(
        "输出笔误",
        [("applicant.age", "申请人年龄")],
        [
            (
                [
                    "",
                ],
                True,
                "x",
            )
        ],
    )
    output_typo["nodes"][1]["content"]["rules"][0]["out1"] = '"未闭合的理由'
    refused = sm.client.post(url, json={"graph": output_typo}, headers=admin)
    assert refused.status_code == 422 and refused.json()["location"]["column"] == "理由"

    # A column without a name of its own is named by the fact it reads: the item's form field's label.
    unnamed = decision_table("无名列", [("form.capital", "")], [(["=== 3"], True, "x")])
    unnamed["nodes"][1]["content"]["inputs"][0].pop("name")
    refused = sm.client.post(url, json={"graph": unnamed}, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("决策表不可用：节点“无名列”第 1 行“资金数额（万元）”列的写法无法识别")

    # A graph zen cannot run is named by what is wrong with it, never by zen's JSON.
    cyclic = decision_table("循环", [("applicant.age", "申请人年龄")], [([""], True, "x")])
    cyclic["edges"].append({"id": "e2", "sourceId": "output", "targetId": "input", "type": "edge"})
    refused = sm.client.post(url, json={"graph": cyclic}, headers=admin)
    assert refused.status_code == 422 and refused.json()["detail"] == "决策表不可用：决策图的连线构成了循环"
    dangling = decision_table("断线", [("applicant.age", "申请人年龄")], [([""], True, "x")])
    dangling["edges"][1]["targetId"] = "nowhere"
    refused = sm.client.post(url, json={"graph": dangling}, headers=admin)
    assert refused.json()["detail"] == "决策表不可用：决策图中有连线指向不存在的节点"

    # Nothing was saved; a table whose cells all parse (empty cells match anything) still is.
    assert sm.client.get(url, headers=admin).json() == before
    assert sm.client.post(url, json={"graph": RED_LIST_TABLE}, headers=admin).status_code == 201


def test_a_table_saved_after_filings_decides_the_next_filing(any_sm: SM) -> None:
    # Version 1 is kept by this process after the first filing (rules.service.current_table_version);
    # version 2, saved since, decides the next filing at once.
    sm = any_sm
    sm.credit.red.add(PERSON)
    form = {**BUSINESS_FORM, "capital": 300}
    first = sm.file(ITEM_INSTANT, form)["case_no"]
    assert _dispatched(sm, first)["rule"]["version"] == 1 and sm.case(first)["decisions"][0]["instant"] is False
    url = f"/api/v1/items/{ITEM_INSTANT}/rules"
    saved = sm.client.post(url, json={"graph": RED_LIST_TABLE, "comment": "红名单放宽"}, headers=sm.staff("admin"))
    assert saved.status_code == 201, saved.text
    second = sm.file(ITEM_INSTANT, form)["case_no"]
    assert _dispatched(sm, second)["rule"]["version"] == 2 and sm.case(second)["decisions"][0]["instant"] is True
