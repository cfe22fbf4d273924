"""The variables staff pick for a condition (GET /items/{code}/rules/variables): labelled in Chinese,
typed, with the labels of an enum's values, and exactly the facts the engine is given at dispatch
(and the data the case process holds), so a condition built on one of them can match."""

from __future__ import annotations

from typing import Any

from gov_common.events import EventTypes
from tests.service_management.conftest import BUSINESS_FORM, ITEM_INSTANT, SM


def _lookup(source: Any, path: str) -> tuple[bool, Any]:
    for key in path.split("."):
        if not isinstance(source, dict) or key not in source:
            return False, None
        source = source[key]
    return True, source


def test_the_decision_table_variables_are_the_facts_the_engine_gets(sm: SM) -> None:
    url = f"/api/v1/items/{ITEM_INSTANT}/rules/variables"
    response = sm.client.get(url, headers=sm.staff("department_admin", "amr"))
    assert response.status_code == 200, response.text
    variables = {v["path"]: v for v in response.json()}
    assert variables["applicant.type"]["type"] == "enum"
    assert variables["applicant.type"]["options"] == [
        {"value": "person", "label": "个人"},
        {"value": "entity", "label": "法人"},
    ]
    assert variables["applicant.age"] == {
        "path": "applicant.age",
        "label": "申请人年龄（周岁）",
        "type": "integer",
        "group": "applicant",
        "options": [],
    }
    assert variables["applicant.credit.black_listed"]["type"] == "boolean"
    # The item's form fields, labelled as the catalogue labels them, typed as the form schema types them.
    item = sm.client.get(f"/api/v1/items/{ITEM_INSTANT}").json()
    for field in item["form_fields"]:
        variable = variables[f"form.{field['name']}"]
        assert variable["label"] == field["label"] and variable["group"] == "form"
    assert variables["form.capital"]["type"] == "number"

    # Every variable is a fact of a filed case (the optional field answered too), as the engine receives it.
    case_no = sm.file(ITEM_INSTANT, {**BUSINESS_FORM, "business_division_code": "330122"})["case_no"]
    dispatched = next(e.data for e in sm.events(EventTypes.CASE_DISPATCHED) if e.subject == case_no)
    facts = {"applicant": dispatched["applicant"]["facts"], "form": dispatched["form"]}
    assert facts == sm.case(case_no)["decisions"][0]["inputs"]
    missing = [path for path in variables if not _lookup(facts, path)[0]]
    assert missing == []
    assert _lookup(facts, "applicant.type")[1] in {o["value"] for o in variables["applicant.type"]["options"]}


def test_the_process_variables_are_the_case_data_and_the_form(sm: SM) -> None:
    url = f"/api/v1/items/{ITEM_INSTANT}/rules/variables?context=process"
    variables = {v["path"]: v for v in sm.client.get(url, headers=sm.staff("admin")).json()}
    assert {"channel", "applicant.type", "bundle", "intake_result", "decision", "form.capital"} <= set(variables)
    assert "applicant.age" not in variables  # the process is given no age
    assert [o["label"] for o in variables["intake_result"]["options"]] == ["予以受理", "不予受理"]
    assert variables["channel"]["options"][0] == {"value": "online", "label": "网上申请"}


def test_variables_are_for_staff_and_of_an_existing_item(sm: SM) -> None:
    url = f"/api/v1/items/{ITEM_INSTANT}/rules/variables"
    assert sm.client.get(url).status_code == 401
    assert sm.client.get(url, headers=sm.person()).status_code == 403
    missing = sm.client.get("/api/v1/items/330122-NONE-0000/rules/variables", headers=sm.staff("admin"))
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "item_code"
    wrong = sm.client.get(f"{url}?context=anything", headers=sm.staff("admin"))
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "context"
    # The version route beside it still answers.
    assert sm.client.get(f"/api/v1/items/{ITEM_INSTANT}/rules/1", headers=sm.staff("admin")).status_code == 200
