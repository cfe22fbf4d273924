"""What a work item keeps from the dispatched case beyond the application itself — paper a window
clerk confirmed, the item version the case was filed under, the committed working-day limit — and
who acted on a step, by display name and by account user name. On SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gov_common.events import EventTypes
from tests.business_systems.support import ITEM_FOOD, Department, Tokens, build_department


@pytest.fixture(params=["sqlite", "postgresql"])
def department(request: pytest.FixtureRequest, tmp_path: Path, tokens: Tokens) -> Iterator[Department]:
    url = None
    if request.param == "postgresql":
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database(f"bs_facts_{uuid.uuid4().hex[:8]}")
    yield from build_department(tmp_path, tokens, code="amr", database_url=url)


def _work(amr: Department, case_no: str) -> dict[str, Any]:
    response = amr.client.get(f"/api/v1/work-items/{case_no}", headers=amr.as_("reviewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_paper_a_window_clerk_confirmed_is_kept_with_who_confirmed_it(department: Department) -> None:
    amr = department
    materials = [
        {"code": "SQS", "name": "食品经营许可申请书", "license_no": None, "file_id": "a" * 64, "paper_received": False},
        {
            "code": "BJT",
            "name": "主要设备设施布局和操作流程",
            "license_no": None,
            "file_id": None,
            "paper_received": True,
            "provided_by": "综合窗口人员",
        },
        # As service-management sends it today: the confirmation without who made it.
        {"code": "CNS", "name": "承诺书原件", "license_no": None, "file_id": None, "paper_received": True},
        # From before paper confirmations: nothing about paper at all.
        {"code": "YYZZ", "name": "营业执照", "license_no": "AMR-2026-0001", "file_id": None},
    ]
    case_no = amr.file(item_code=ITEM_FOOD, materials=materials)
    by_code = {m["code"]: m for m in _work(amr, case_no)["materials"]}
    assert by_code["BJT"] == {
        "code": "BJT",
        "name": "主要设备设施布局和操作流程",
        "file_id": None,
        "license_no": None,
        "paper_received": True,
        "paper_received_by": "综合窗口人员",
    }
    assert by_code["CNS"]["paper_received"] is True and by_code["CNS"]["paper_received_by"] is None
    assert by_code["SQS"]["paper_received"] is False and by_code["SQS"]["file_id"] == "a" * 64
    assert by_code["YYZZ"]["paper_received"] is False and by_code["YYZZ"]["license_no"] == "AMR-2026-0001"
    # Who handed in an uploaded file is not a paper confirmation.
    uploaded = {"code": "SQS", "name": "申请书", "file_id": "b" * 64, "paper_received": False, "provided_by": "张三"}
    [material] = _work(amr, amr.file(item_code=ITEM_FOOD, materials=[uploaded]))["materials"]
    assert material["paper_received_by"] is None


def test_the_item_version_and_committed_limit_come_from_the_dispatched_case(department: Department) -> None:
    amr = department
    filed = amr.file(item_code=ITEM_FOOD, item_version=3, committed_days=7)
    older = amr.file(item_code=ITEM_FOOD, committed_days=None)  # an event from before the limit was sent
    negative = amr.file(item_code=ITEM_FOOD, committed_days=-1)
    with pytest.raises(ValidationError, match="committed_days"):  # the consumer refuses it (docs/events.md)
        amr.file(item_code=ITEM_FOOD, committed_days="ten")

    work = _work(amr, filed)
    assert (work["item_version"], work["committed_days"]) == (3, 7)
    rows = {w["case_no"]: w for w in amr.client.get("/api/v1/worklist", headers=amr.as_("reviewer")).json()}
    assert (rows[filed]["item_version"], rows[filed]["committed_days"]) == (3, 7)
    assert rows[older]["committed_days"] is None and rows[older]["item_version"] == 1
    assert rows[negative]["committed_days"] is None


def test_an_action_names_the_person_and_their_account(department: Department) -> None:
    amr = department
    case_no = amr.file(item_code=ITEM_FOOD)
    reviewer = amr.tokens.staff("reviewer-amr", ["reviewer"], "amr", name="amr 审批人员")
    response = amr.client.post(
        f"/api/v1/work-items/{case_no}/actions",
        headers=reviewer,
        json={"step": 1, "action": "approve", "opinion": "准予许可"},
    )
    assert response.status_code == 200, response.text
    [action] = response.json()["actions"]
    assert (action["by"], action["by_username"]) == ("amr 审批人员", "reviewer-amr")

    [done] = amr.client.get("/api/v1/worklist/done", headers=reviewer).json()
    assert (done["my_last_action"]["by"], done["my_last_action"]["by_username"]) == ("amr 审批人员", "reviewer-amr")
    assert done["case"]["last_action"]["by_username"] == "reviewer-amr"
    [step] = amr.events(EventTypes.CASE_STEP_COMPLETED, case_no)
    assert (step.data["by"], step.data["by_username"]) == ("amr 审批人员", "reviewer-amr")

    # A token without a user name (an older one) still acts; the name is simply not known.
    other = amr.file(item_code=ITEM_FOOD)
    token = amr.tokens.issuer.issue(
        sub="staff-old", account_type="staff", name="amr 审批人员", id_number=None, roles=["reviewer"], department="amr"
    )
    response = amr.client.post(
        f"/api/v1/work-items/{other}/actions",
        headers={"Authorization": f"Bearer {token}"},
        json={"step": 1, "action": "deny", "opinion": "不予许可"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["actions"][0]["by_username"] is None
