"""Configuring review chains: only the department admin, 1 to 3 steps in order, errors name the field."""

from __future__ import annotations

from gov_common.auth import Roles
from tests.business_systems.support import ITEM_FOOD, Department

URL = f"/api/v1/review-chains/{ITEM_FOOD}"


def test_the_department_admin_configures_changes_and_removes_a_chain(amr: Department) -> None:
    admin = amr.as_("department_admin")
    two = {"steps": [{"name": "review", "role": "reviewer"}, {"name": "approve", "role": "approver"}]}
    created = amr.client.put(URL, headers=admin, json=two)
    assert created.status_code == 200, created.text
    assert created.json()["configured"] is True and created.json()["version"] == 1
    assert created.json()["updated_by"] == "deptadmin-amr"
    one = {"steps": [{"name": "handle", "role": "reviewer"}]}
    assert amr.client.put(URL, headers=admin, json=one).json()["version"] == 2
    listed = amr.client.get("/api/v1/review-chains", headers=amr.as_("reviewer"))
    assert [c["item_code"] for c in listed.json()] == [ITEM_FOOD] and listed.headers["X-Total-Count"] == "1"
    assert amr.client.delete(URL, headers=admin).status_code == 204
    assert amr.client.get(URL, headers=admin).json()["configured"] is False
    assert amr.client.delete(URL, headers=admin).status_code == 404


def test_only_this_departments_admin_may_change_a_chain(amr: Department) -> None:
    body = {"steps": [{"name": "approve", "role": "approver"}]}
    assert amr.client.put(URL, headers=amr.as_("reviewer"), json=body).status_code == 403
    other = amr.tokens.staff("deptadmin-psb", [Roles.DEPARTMENT_ADMIN], "psb")
    assert amr.client.put(URL, headers=other, json=body).status_code == 403
    assert amr.client.get(URL, headers=other).status_code == 403
    assert amr.client.put(URL, json=body).status_code == 401


def test_a_chain_that_is_not_allowed_is_refused_naming_the_field(amr: Department) -> None:
    admin = amr.as_("department_admin")
    cases = [
        ({"steps": []}, "steps"),
        ({"steps": [{"name": "handle", "role": "handler"}] * 4}, "steps"),
        ({"steps": [{"name": "approve", "role": "approver"}, {"name": "handle", "role": "handler"}]}, "steps[1].name"),
        ({"steps": [{"name": "review", "role": "reviewer"}, {"name": "review", "role": "approver"}]}, "steps[1].name"),
        ({"steps": [{"name": "approve", "role": "clerk"}]}, "steps.0.role"),
        ({"steps": [{"name": "sign", "role": "approver"}]}, "steps.0.name"),
    ]
    for body, field in cases:
        response = amr.client.put(URL, headers=admin, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
        if field == "steps[1].name":  # the order of the steps, said in Chinese
            assert (
                response.json()["errors"][0]["message"] == "审批步骤应按 承办 → 审核 → 批准 的顺序排列，每一步至多一次"
            )
    bad_code = amr.client.put(
        "/api/v1/review-chains/no%20such!", headers=admin, json={"steps": [{"name": "approve", "role": "approver"}]}
    )
    assert bad_code.status_code == 422 and bad_code.json()["errors"][0]["field"] == "item_code"
