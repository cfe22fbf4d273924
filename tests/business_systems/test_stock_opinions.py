"""Stock opinions (常用意见) kept by the department admin, on the real PostgreSQL: the setting seeds them until
the admin changes one; adding, editing, reordering and deleting are each a new list; bad input is refused
naming the field; only the department's own admin may change them, its staff read them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.business_systems.support import Department, Tokens, build_department

OWN_DENY = ["经核查，经营场所不符合食品安全要求，不予许可。"]
ADDED = "申请人隐瞒有关情况或者提供虚假材料，不予许可。"


@pytest.fixture
def amr_pg(new_database: Callable[[str], str], tmp_path: Path, tokens: Tokens) -> Iterator[Department]:
    yield from build_department(
        tmp_path, tokens, code="amr", database_url=new_database("bs_opinions"), opinion_templates={"deny": OWN_DENY}
    )


def _read(department: Department, role: str = "reviewer") -> dict[str, Any]:
    answer = department.client.get("/api/v1/worklist/stock-opinions", headers=department.as_(role))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _put(
    department: Department, action: str, opinions: list[str], version: int | None = None, role: str = "department_admin"
) -> Any:
    body: dict[str, Any] = {"opinions": opinions}
    if version is not None:
        body["version"] = version
    return department.client.put(f"/api/v1/worklist/stock-opinions/{action}", json=body, headers=department.as_(role))


def _picked(department: Department) -> dict[str, list[str]]:
    """What a reviewer's opinion box offers."""
    answer = department.client.get("/api/v1/worklist/opinion-templates", headers=department.as_("reviewer"))
    assert answer.status_code == 200, answer.text
    templates: dict[str, list[str]] = answer.json()["templates"]
    return templates


def test_the_admin_adds_edits_reorders_and_deletes_the_departments_opinions(amr_pg: Department) -> None:
    seeded = _read(amr_pg)
    assert (seeded["customised"], seeded["version"]) == (False, 0)
    assert seeded["templates"]["deny"] == OWN_DENY  # the setting's, the defaults for the rest
    defaults_approve = seeded["templates"]["approve"]
    assert defaults_approve[0].startswith("经审查")

    # Add: the first change takes the whole set over; the other actions stay as they were shown.
    added = _put(amr_pg, "deny", [*OWN_DENY, f"  {ADDED}  "], version=0)
    assert added.status_code == 200, added.text
    body = added.json()
    assert (body["customised"], body["version"], body["updated_by"]) == (True, 1, "deptadmin-amr")
    assert body["templates"]["deny"] == [*OWN_DENY, ADDED]
    assert body["templates"]["approve"] == defaults_approve
    assert _picked(amr_pg)["deny"] == [*OWN_DENY, ADDED]

    # Edit, reorder, delete: each the action's new list, raising the version.
    edited = _put(amr_pg, "deny", [OWN_DENY[0], "经审查，申请人提供虚假材料，不予许可。"], version=1)
    assert edited.status_code == 200 and edited.json()["version"] == 2
    reordered = _put(amr_pg, "deny", ["经审查，申请人提供虚假材料，不予许可。", OWN_DENY[0]], version=2)
    assert reordered.json()["templates"]["deny"] == ["经审查，申请人提供虚假材料，不予许可。", OWN_DENY[0]]
    deleted = _put(amr_pg, "approve", defaults_approve[1:], version=3)
    assert deleted.json()["templates"]["approve"] == defaults_approve[1:]
    # An action emptied stays empty: the setting does not come back for it.
    assert _put(amr_pg, "send_back", [], version=4).status_code == 200
    picked = _picked(amr_pg)
    assert picked["send_back"] == []
    assert picked["deny"][0] == "经审查，申请人提供虚假材料，不予许可。"
    assert picked["approve"] == defaults_approve[1:]
    assert _read(amr_pg)["version"] == 5

    # A change made on a list read before is refused rather than overwriting.
    stale = _put(amr_pg, "deny", [ADDED], version=2)
    assert stale.status_code == 409, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["errors"][0]["field"] == "version"
    assert _picked(amr_pg)["deny"][0] == "经审查，申请人提供虚假材料，不予许可。"

    # Reset: back to the setting.
    reset = amr_pg.client.delete("/api/v1/worklist/stock-opinions", headers=amr_pg.as_("department_admin"))
    assert reset.status_code == 200, reset.text
    assert (reset.json()["customised"], reset.json()["version"]) == (False, 0)
    assert _picked(amr_pg)["deny"] == OWN_DENY


@pytest.mark.parametrize(
    ("opinions", "field", "code", "words"),
    [
        (["同意。", "   "], "opinions[1]", "opinion_empty", "为空"),
        (["准" * 501], "opinions[0]", "opinion_too_long", "超过 500 字"),
        (["同意。", "不同意。", " 同意。 "], "opinions[2]", "opinion_duplicate", "与第 1 条相同"),
        ([f"意见{n}" for n in range(21)], "opinions", None, None),
    ],
)
def test_an_empty_too_long_or_repeated_opinion_is_refused_naming_its_field(
    amr_pg: Department, opinions: list[str], field: str, code: str | None, words: str | None
) -> None:
    answer = _put(amr_pg, "approve", opinions)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = answer.json()["errors"]
    assert errors[0]["field"] == field
    if code is not None:
        assert errors[0]["code"] == code
    if words is not None:
        assert words in errors[0]["message"] and words in answer.json()["detail"]
    assert _read(amr_pg)["customised"] is False  # nothing was stored


def test_an_unknown_action_is_refused_naming_it(amr_pg: Department) -> None:
    answer = _put(amr_pg, "escalate", ["同意。"])
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == "action"


def test_only_the_departments_own_admin_changes_them_and_its_staff_read_them(amr_pg: Department) -> None:
    tokens = amr_pg.tokens
    for role in ("reviewer", "handler", "approver"):
        refused = _put(amr_pg, "deny", [ADDED], role=role)
        assert refused.status_code == 403, (role, refused.text)
        assert _read(amr_pg, role)["templates"]["deny"] == OWN_DENY
    foreign_admin = tokens.staff("deptadmin-psb", ["department_admin"], "psb")
    for method, path, body in (
        ("PUT", "/api/v1/worklist/stock-opinions/deny", {"opinions": [ADDED]}),
        ("DELETE", "/api/v1/worklist/stock-opinions", None),
        ("GET", "/api/v1/worklist/stock-opinions", None),
    ):
        answer = amr_pg.client.request(method, path, json=body, headers=foreign_admin)
        assert answer.status_code == 403, (method, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    applicant = amr_pg.client.put(
        "/api/v1/worklist/stock-opinions/deny", json={"opinions": [ADDED]}, headers=tokens.applicant()
    )
    assert applicant.status_code == 403
    anonymous = amr_pg.client.get("/api/v1/worklist/stock-opinions")
    assert anonymous.status_code == 401
    outsider = amr_pg.client.get("/api/v1/worklist/opinion-templates", headers=tokens.staff("x", ["reviewer"], "psb"))
    assert outsider.status_code == 403
    assert _read(amr_pg)["customised"] is False


def test_two_admins_changing_the_list_at_once_one_wins_the_other_is_told(amr_pg: Department) -> None:
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}

    def change(phrase: str) -> None:
        barrier.wait()
        answers[phrase] = _put(amr_pg, "deny", [phrase], version=0).status_code

    phrases = ["甲：经核查，不符合许可条件，不予许可。", "乙：经核查，材料与实际不符，不予许可。"]
    threads = [threading.Thread(target=change, args=(p,)) for p in phrases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers.values()) == [200, 409], answers
    winner = next(p for p, status in answers.items() if status == 200)
    stored = _read(amr_pg)
    assert (stored["version"], stored["templates"]["deny"]) == (1, [winner])
