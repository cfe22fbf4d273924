"""Bounded input in service-management: request bodies, form answers, imported tables and decision
tables. What a case keeps is checked on PostgreSQL."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select

from service_management.models import Case, DecisionTable, Item
from service_management.rules.tables import decision_table
from tests.service_management.conftest import BUSINESS_FORM, ITEM_INSTANT, SM
from tests.unit.test_tabular_limits import ITEMS, SHEET, rewritten

MIB = 1024 * 1024


def _cases(sm: SM) -> int:
    with sm.session() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def _problem(response: Any, status: int, field: str, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = dict(response.json())
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)], problem
    return problem


def test_a_case_larger_than_the_body_limit_is_refused_and_nothing_is_kept(pg_sm: SM) -> None:
    """The finding: a 50 MB form string was stored in a case (and its events and workflow state)."""
    sm = pg_sm
    form = {**BUSINESS_FORM, "business_scope": "x" * (2 * MIB)}
    response = sm.client.post("/api/v1/cases", json={"item_code": ITEM_INSTANT, "form": form}, headers=sm.person())
    assert _problem(response, 413, "body", "body_too_large")["max_bytes"] == MIB
    assert _cases(sm) == 0


@pytest.mark.parametrize(
    ("answers", "field", "code"),
    [
        ({"business_name": "店" * 501}, "form.business_name", "form_too_long"),
        ({"business_scope": "小吃" * 2501}, "form.business_scope", "form_too_long"),
        ({"business_name": "张三\x00小吃店"}, "form.business_name", "control_character"),  # gov_common.text_input
        ({"business_name": "张三\x7f小吃店"}, "form.business_name", "form_control_character"),  # DEL, here
        ({"capital": 2**53}, "form.capital", "form_number_out_of_range"),
        ({"no_such_field_" + "x" * 10_000: 1}, "form.no_such_field_" + "x" * 50, "form_field_unknown"),
    ],
)
def test_a_form_answer_over_its_bound_is_refused_naming_it(
    pg_sm: SM, answers: dict[str, Any], field: str, code: str
) -> None:
    sm = pg_sm
    body = {"item_code": ITEM_INSTANT, "form": {**BUSINESS_FORM, **answers}}
    _problem(sm.client.post("/api/v1/cases", json=body, headers=sm.person()), 422, field, code)
    assert _cases(sm) == 0
    # At the window too.
    walk_in = {**body, "applicant": {"type": "person", "id_number": "110101199003077758", "name": "李四"}}
    _problem(sm.client.post("/api/v1/intake/cases", json=walk_in, headers=sm.staff("clerk")), 422, field, code)
    assert _cases(sm) == 0


def test_a_number_that_is_not_finite_is_refused(pg_sm: SM) -> None:
    """JSON has no NaN, but JSON readers (and PostgreSQL's json type, not its jsonb) take it: the body
    is refused as not JSON before any endpoint runs (gov_common.text_input), and nothing is stored."""
    sm = pg_sm
    body = json.dumps({"item_code": ITEM_INSTANT, "form": {**BUSINESS_FORM, "capital": float("nan")}})
    response = sm.client.post(
        "/api/v1/cases", content=body.encode(), headers={**sm.person(), "content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "NaN" in response.json()["detail"]
    assert _cases(sm) == 0


def test_answers_at_their_bounds_are_kept_as_given(pg_sm: SM) -> None:
    sm = pg_sm
    form = {**BUSINESS_FORM, "business_name": "店" * 500, "business_scope": "小" * 5000, "capital": 2**53 - 1}
    case_no = sm.file(form=form)["case_no"]
    with sm.session() as session:
        kept = session.scalars(select(Case.form).where(Case.case_no == case_no)).one()
    assert kept["business_name"] == "店" * 500 and len(kept["business_scope"]) == 5000
    assert kept["capital"] == 2**53 - 1


def test_the_answers_of_a_form_are_bounded_together(pg_sm: SM) -> None:
    sm = pg_sm
    with sm.session() as session:
        item = session.scalars(select(Item).where(Item.code == ITEM_INSTANT, Item.status == "published")).one()
        item.form_fields = [
            {"name": f"note_{i}", "label": f"说明{i}", "type": "text", "required": True} for i in range(11)
        ]
    body = {"item_code": ITEM_INSTANT, "form": {f"note_{i}": "述" * 5000 for i in range(11)}}
    _problem(sm.client.post("/api/v1/cases", json=body, headers=sm.person()), 422, "form", "form_too_large")
    assert _cases(sm) == 0


def test_free_form_data_kept_by_a_case_is_bounded(sm: SM) -> None:
    case_no = sm.file()["case_no"]
    response = sm.client.post(
        f"/api/v1/cases/{case_no}/tasks/any", json={"data": {"note": "x" * 20_000}}, headers=sm.staff("admin")
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "data", response.text


def test_an_import_that_inflates_is_refused_naming_the_file(sm: SM) -> None:
    def inflate(name: str, content: bytes) -> bytes:
        if name != SHEET:
            return content
        cell = b'<row r="30"><c r="A30" t="inlineStr"><is><t>' + b"A" * (100 * MIB) + b"</t></is></c></row>"
        return content.replace(b"</sheetData>", cell + b"</sheetData>")

    bomb = rewritten(ITEMS, inflate)
    for url in ("/api/v1/items/import", "/api/v1/lists/power/import?department=amr"):
        started = time.monotonic()
        response = sm.client.post(url, files={"file": ("items.xlsx", bomb)}, headers=sm.staff("admin"))
        _problem(response, 422, "file", "workbook_too_large")
        assert time.monotonic() - started < 10  # not inflated and parsed (far longer); generous for a busy machine
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo(SHEET).file_size > 100 * MIB


def test_an_upload_route_takes_more_than_a_json_route(sm: SM) -> None:
    # 2 MiB: over the JSON limit, within the upload limit; the file store's own limit (64 KiB in these
    # tests) answers, not the body limit.
    pdf = {"file": ("a.pdf", b"%PDF-1.4\n" + b"0" * (2 * MIB), "application/pdf")}
    response = sm.client.post("/api/v1/files", files=pdf, headers=sm.person())
    assert response.status_code == 413 and response.json().get("code") != "body_too_large", response.text
    pdf = {"file": ("a.pdf", b"%PDF-1.4\n" + b"0" * (11 * MIB), "application/pdf")}
    _problem(sm.client.post("/api/v1/files", files=pdf, headers=sm.person()), 413, "file", "body_too_large")


RULES = f"/api/v1/items/{ITEM_INSTANT}/rules"


def _table(reason_cell: str) -> dict[str, Any]:
    table = decision_table(
        "个体工商户设立秒批规则",
        [("applicant.age", "申请人年龄"), ("form.capital", "资金数额（万元）")],
        [(["< 18", ""], False, "未满十八周岁"), (["", "<= 100"], True, "符合秒批条件"), (["", ""], False, "转人工")],
    )
    table["nodes"][1]["content"]["rules"][1]["out1"] = reason_cell
    return table


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("len(map([0..10000000], # * 2)) == 1", "相差超过 1000"),  # the finding: 2 s per evaluation
        ("some([1..100000000000], # == 5)", "相差超过 1000"),  # ends zen's process
        ("map(form.a, map(form.b, #))", "嵌套在另一个闭包函数的回调中"),
        ('"' + "理由" * 600 + '"', "超过 1000 个字符"),
    ],
)
def test_a_costly_cell_is_refused_at_save_naming_it(sm: SM, cell: str, why: str) -> None:
    admin = sm.staff("admin")
    before = sm.client.get(RULES, headers=admin).json()
    problem = _problem(  # refused by the static limits, never evaluated (the location and reason show which)
        sm.client.post(RULES, json={"graph": _table(cell)}, headers=admin), 422, "graph", "expression_too_costly"
    )
    assert problem["location"] == {"node": "个体工商户设立秒批规则", "row": 2, "column": "理由"}
    assert why in problem["detail"]
    assert sm.client.get(RULES, headers=admin).json() == before


def test_an_interval_that_is_only_compared_against_is_accepted(sm: SM) -> None:
    table = _table('"符合秒批条件"')
    table["nodes"][1]["content"]["rules"][1]["in0"] = "[18..100000000000]"
    saved = sm.client.post(RULES, json={"graph": table}, headers=sm.staff("admin"))
    assert saved.status_code == 201, saved.text
    tried = sm.client.post(
        f"{RULES}/evaluate",
        json={"facts": {"applicant": {"age": 30}, "form": {"capital": 5}}},
        headers=sm.staff("admin"),
    )
    assert tried.status_code == 200 and tried.json()["eligible"] is True


def test_a_costly_table_stored_before_the_limits_sends_cases_to_manual_review_at_once(sm: SM) -> None:
    with sm.session() as session:
        latest = session.scalar(select(func.max(DecisionTable.version)).where(DecisionTable.item_code == ITEM_INSTANT))
        session.add(
            DecisionTable(
                item_code=ITEM_INSTANT,
                version=(latest or 0) + 1,
                graph=_table("len(map([0..10000000], # * 2)) == 1"),
                created_by="before the limits",
            )
        )
    case_no = sm.file()["case_no"]  # refused by the static limits (below), so never run: no clock needed here
    check = sm.case(case_no)["decisions"][0]
    assert check["instant"] is False and check["explanation"] == "决策表无法求值，转人工审核"
    assert "相差超过 1000" in check["output"]["error"]


def test_an_evaluation_that_runs_away_is_stopped_at_its_deadline(sm: SM) -> None:
    """What the static limits let through is bounded at run time: each closure here is linear, but
    a thousand of them over a 60,000-character answer take far longer than a second."""
    closures = " + ".join(f"count(split(form.s ?? '', ''), # == '{c}')" for c in "abcdefghijklmnopqrstuvw")
    graph = {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "申请信息", "position": {"x": 0, "y": 0}},
            {
                "id": "calc",
                "type": "expressionNode",
                "name": "计算",
                "position": {"x": 200, "y": 0},
                "content": {"expressions": [{"id": f"e{i}", "key": f"n{i}", "value": closures} for i in range(45)]},
            },
            {"id": "out", "type": "outputNode", "name": "结论", "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"id": "a", "sourceId": "in", "targetId": "calc", "type": "edge"},
            {"id": "b", "sourceId": "calc", "targetId": "out", "type": "edge"},
        ],
    }
    admin = sm.staff("admin")
    assert sm.client.post(RULES, json={"graph": graph}, headers=admin).status_code == 201
    started = time.monotonic()
    stopped = sm.client.post(f"{RULES}/evaluate", json={"facts": {"form": {"s": "a" * 60_000}}}, headers=admin)
    assert stopped.status_code == 422 and "超过 1 秒" in stopped.json()["detail"], stopped.text
    # Stopped near its deadline, not left to run to its end; generous for a busy machine.
    assert time.monotonic() - started < 20
    # The evaluator is started again for the next evaluation.
    small = sm.client.post(f"{RULES}/evaluate", json={"facts": {"form": {"s": "ab"}}}, headers=admin)
    assert small.status_code == 200 and small.json()["output"]["n0"] == 2, small.text


def test_a_list_version_takes_its_own_larger_limit(pg_sm: SM) -> None:
    """A list of 2,000 entries, each with its legal basis and content, is more than the 1 MiB default."""
    sm = pg_sm
    entries = [
        {
            "code": f"QL-{i:04d}",
            "name": f"行政许可事项{i}",
            "basis": "《中华人民共和国行政许可法》" * 10,
            "content": "内容" * 100,
        }
        for i in range(2000)
    ]
    body = {"department_code": "amr", "entries": entries}
    assert len(json.dumps(body, ensure_ascii=False).encode()) > 2 * MIB
    created = sm.client.post("/api/v1/lists/power/drafts", json=body, headers=sm.staff("department_admin", "amr"))
    assert created.status_code == 201, created.text[:300]
    assert len(created.json()["entries"]) == 2000
