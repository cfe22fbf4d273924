"""Work lists per person and per step, with the remaining time service-management reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gov_common.workdays import LOCAL_ZONE
from tests.business_systems.support import ITEM_BUSINESS, ITEM_FOOD, Department, Tokens, build_department, clock_changed


def _chain(amr: Department) -> None:
    body = {"steps": [{"name": "handle", "role": "handler"}, {"name": "approve", "role": "approver"}]}
    assert (
        amr.client.put(f"/api/v1/review-chains/{ITEM_FOOD}", headers=amr.as_("department_admin"), json=body).status_code
        == 200
    )


def _cases(amr: Department, headers: dict[str, str], **params: str) -> list[str]:
    response = amr.client.get("/api/v1/worklist", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [w["case_no"] for w in response.json()]


def test_each_person_sees_the_cases_at_their_step_soonest_due_first(amr: Department) -> None:
    _chain(amr)
    now = datetime.now(UTC)
    late = amr.file(due_at=(now + timedelta(days=9)).isoformat())
    soon = amr.file(due_at=(now + timedelta(days=1)).isoformat())
    undated = amr.file()  # an older event without due_at
    assert _cases(amr, amr.as_("handler")) == [soon, late, undated]
    assert _cases(amr, amr.as_("approver")) == []
    moved = amr.client.post(
        f"/api/v1/work-items/{soon}/actions",
        headers=amr.as_("handler"),
        json={"step": 1, "action": "pass", "opinion": "拟同意"},
    )
    assert moved.status_code == 200
    assert _cases(amr, amr.as_("handler")) == [late, undated]
    assert _cases(amr, amr.as_("approver")) == [soon]
    admin = amr.as_("department_admin")
    assert _cases(amr, admin) == [soon, late, undated]
    assert _cases(amr, admin, step="approve") == [soon] and _cases(amr, admin, step="handle") == [late, undated]
    assert amr.client.get("/api/v1/worklist", headers=admin, params={"step": "sign"}).status_code == 422

    done = amr.client.get("/api/v1/worklist/done", headers=amr.as_("handler")).json()
    assert [(d["case"]["case_no"], d["my_last_action"]["action"]) for d in done] == [(soon, "pass")]
    summary = {s["step"]: s for s in amr.client.get("/api/v1/worklist/summary", headers=admin).json()}
    assert (
        summary["handle"]["waiting"] == 2 and summary["approve"]["waiting"] == 1 and summary["review"]["waiting"] == 0
    )
    assert summary["handle"]["label"] == "承办"


def summary_overdue(amr: Department, headers: dict[str, str]) -> int:
    return sum(s["overdue"] for s in amr.client.get("/api/v1/worklist/summary", headers=headers).json())


def test_the_clock_follows_service_management_and_tolerates_its_absence(amr: Department) -> None:
    due = datetime.now(UTC) + timedelta(days=3)
    case_no = amr.file(due_at=due.isoformat())
    headers = amr.as_("reviewer")
    [entry] = amr.client.get("/api/v1/worklist", headers=headers).json()
    assert datetime.fromisoformat(entry["clock"]["due_at"]) == due
    assert 2 * 86400 < entry["clock"]["remaining_seconds"] <= 3 * 86400 and entry["clock"]["overdue"] is False

    amr.receive(clock_changed(case_no, due_at=None, paused=True, days=4))
    clock = amr.client.get(f"/api/v1/work-items/{case_no}", headers=headers).json()["clock"]
    assert clock["paused"] is True and clock["due_at"] is None and clock["remaining_working_days"] == 4

    past = datetime.now(UTC) - timedelta(hours=2)
    amr.receive(clock_changed(case_no, due_at=past.isoformat(), paused=False, days=0))
    clock = amr.client.get(f"/api/v1/work-items/{case_no}", headers=headers).json()["clock"]
    assert clock["overdue"] is True and clock["remaining_seconds"] < 0
    summary = {s["step"]: s for s in amr.client.get("/api/v1/worklist/summary", headers=headers).json()}
    assert summary["approve"]["overdue"] == 1

    # A report older than the one kept does not overwrite it.
    amr.receive(clock_changed(case_no, due_at=None, paused=True, days=9, at=datetime.now(UTC) - timedelta(days=1)))
    assert amr.client.get(f"/api/v1/work-items/{case_no}", headers=headers).json()["clock"]["overdue"] is True

    # The department's decision stops its clock (service-management tells no stop): no longer timed or
    # overdue, and a report that comes after it does not start it again.
    step = amr.client.get(f"/api/v1/work-items/{case_no}", headers=headers).json()["current_step"]
    decided = amr.client.post(
        f"/api/v1/work-items/{case_no}/actions",
        headers=headers,
        json={"step": step, "action": "approve", "opinion": "准予许可"},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.text
    stopped = {"due_at": None, "paused": False, "remaining_seconds": None, "overdue": False}
    stopped["remaining_working_days"] = None
    clock = amr.client.get(f"/api/v1/work-items/{case_no}", headers=headers).json()["clock"]
    assert clock == {**clock, **stopped}
    amr.receive(clock_changed(case_no, due_at=past.isoformat(), paused=False, days=0))
    clock = amr.client.get(f"/api/v1/work-items/{case_no}", headers=headers).json()["clock"]
    assert clock == {**clock, **stopped}
    assert summary_overdue(amr, headers) == 0

    untimed = amr.file()
    clock = amr.client.get(f"/api/v1/work-items/{untimed}", headers=headers).json()["clock"]
    assert clock == {
        **clock,
        "due_at": None,
        "remaining_seconds": None,
        "overdue": False,
        "remaining_working_days": None,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def department(request: pytest.FixtureRequest, tmp_path: Path, tokens: Tokens) -> Iterator[Department]:
    """The search reads the applicant's name out of a JSON column: both databases' ways of it."""
    url = request.getfixturevalue("new_database")("bs_worklist_filters") if request.param == "postgresql" else None
    yield from build_department(tmp_path, tokens, code="amr", database_url=url)


def test_the_work_list_is_searched_filtered_and_sorted_on_the_server(department: Department) -> None:
    amr = department
    now = datetime.now(UTC)
    late = amr.file(due_at=(now + timedelta(days=9)).isoformat())
    soon = amr.file(due_at=(now + timedelta(days=1)).isoformat())
    shop = amr.file(item_code=ITEM_BUSINESS, due_at=(now + timedelta(days=5)).isoformat())
    admin = amr.as_("department_admin")
    assert _cases(amr, admin) == [soon, shop, late]
    assert _cases(amr, admin, sort="-due") == [late, shop, soon]
    assert _cases(amr, admin, sort="received") == [late, soon, shop]
    assert _cases(amr, admin, sort="-received") == [shop, soon, late]
    assert _cases(amr, admin, item_code=ITEM_BUSINESS) == [shop]
    assert _cases(amr, admin, q="个体工商户") == [shop]
    assert _cases(amr, admin, q=soon[-6:]) == [soon]
    assert _cases(amr, admin, q="张三") == [soon, shop, late]
    assert _cases(amr, admin, q="李四") == []
    # Received between `now` and this moment: on these local days (two if the test ran across midnight).
    first_day, today = now.astimezone(LOCAL_ZONE).date(), datetime.now(UTC).astimezone(LOCAL_ZONE).date()
    assert _cases(amr, admin, received_from=first_day.isoformat(), received_to=today.isoformat()) == [soon, shop, late]
    assert _cases(amr, admin, received_from=(today + timedelta(days=1)).isoformat()) == []
    assert _cases(amr, admin, received_to=(first_day - timedelta(days=1)).isoformat()) == []
    listed = amr.client.get("/api/v1/worklist", headers=admin, params={"q": "工商", "page_size": 1})
    assert listed.headers["X-Total-Count"] == "1"

    # A bad parameter is a problem naming it, never a 500 nor a silently ignored value.
    for params, field in (
        ({"sort": "name"}, "sort"),
        ({"received_from": "2026-13-01"}, "received_from"),
        ({"received_from": today.isoformat(), "received_to": (today - timedelta(days=1)).isoformat()}, "received_to"),
        ({"q": "x" * 51}, "q"),
    ):
        refused = amr.client.get("/api/v1/worklist", headers=admin, params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in refused.text, refused.text

    reviewer = amr.as_("reviewer")
    for case_no in (shop, soon):
        moved = amr.client.post(
            f"/api/v1/work-items/{case_no}/actions",
            headers=reviewer,
            json={"step": 1, "action": "approve", "opinion": "同意"},
        )
        assert moved.status_code == 200, moved.text
    done = amr.client.get("/api/v1/worklist/done", headers=reviewer, params={"q": "工商"}).json()
    assert [d["case"]["case_no"] for d in done] == [shop]
    done = amr.client.get("/api/v1/worklist/done", headers=reviewer, params={"item_code": ITEM_FOOD}).json()
    assert [d["case"]["case_no"] for d in done] == [soon]


def test_stock_opinions_are_the_departments_own_or_the_defaults(tmp_path: Path, tokens: Tokens) -> None:
    own = {"deny": ["经核查，经营场所不符合食品安全要求，不予许可。"]}
    for department in build_department(tmp_path, tokens, code="amr", opinion_templates=own):
        answer = department.client.get("/api/v1/worklist/opinion-templates", headers=department.as_("reviewer"))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["department_code"] == "amr"
        assert body["templates"]["deny"] == own["deny"]
        # The actions it does not set keep the defaults, each a phrase to pick.
        assert set(body["templates"]) == {"pass", "approve", "deny", "send_back"}
        assert all(body["templates"][a] for a in ("pass", "approve", "send_back"))
        assert body["templates"]["approve"][0].startswith("经审查")
        outsider = department.client.get(
            "/api/v1/worklist/opinion-templates", headers=department.tokens.staff("x", ["reviewer"], "psb")
        )
        assert outsider.status_code == 403
