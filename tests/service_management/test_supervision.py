"""Supervision: yellow warnings at 80 % of the limit and red overdue alerts (once each, as events,
listed for the department's admins), escalation of states that overrun their own limit, and
performance figures as JSON and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from service_management.events import CASE_ESCALATED, CASE_TIME_WARNING
from service_management.supervision import service as supervision
from tests.service_management.conftest import FOOD_FORM, ITEM_REVIEWED, SM, at
from tests.service_management.test_workflow import WITH_STEPS, _upload, _window_case


def _file_at(sm: SM, when: dt.datetime) -> str:
    from service_management.cases import prefetch
    from service_management.cases import service as cases

    with sm.session() as session:
        ports = prefetch.fetch(session, sm.runtime.extras["ports"], subjects=["11010519491231002X"])
        case = cases.file_case(
            session,
            ports,
            applicant=cases.ApplicantIdentity(sub="p", type="person", id_number="11010519491231002X", name="张三"),
            item_code=ITEM_REVIEWED,
            form=FOOD_FORM,
            materials=[],
            now=when,
        )
        return case.case_no


def _scan(sm: SM, when: dt.datetime) -> supervision.ScanResult:
    with sm.session() as session:
        return supervision.scan(session, now=when)


def test_yellow_then_red_once_each_as_events_for_the_department_admins(any_sm: SM) -> None:
    sm = any_sm
    # 食品经营许可: 10 working days from Monday 2 November 2026 → due Monday 16 November.
    case_no = _file_at(sm, at("2026-11-02"))
    assert _scan(sm, at("2026-11-11")) == supervision.ScanResult()  # 7 of 10 days used
    assert _scan(sm, at("2026-11-12")).yellow == 1  # 8 of 10: 80 %
    assert _scan(sm, at("2026-11-13")) == supervision.ScanResult()  # raised once
    assert _scan(sm, at("2026-11-16", 23)) == supervision.ScanResult()  # still within the last day
    assert _scan(sm, at("2026-11-17", 9)).red == 1
    assert _scan(sm, at("2026-11-18")) == supervision.ScanResult()
    warnings = [(e.data["level"], e.subject) for e in sm.events(CASE_TIME_WARNING)]
    assert warnings == [("yellow", case_no), ("red", case_no)]

    amr = sm.client.get("/api/v1/supervision/alerts", headers=sm.staff("department_admin", "amr")).json()
    assert {(a["case_no"], a["kind"]) for a in amr} == {(case_no, "yellow"), (case_no, "red")}
    assert sm.client.get("/api/v1/supervision/alerts", headers=sm.staff("department_admin", "psb")).json() == []
    assert len(sm.client.get("/api/v1/supervision/alerts", headers=sm.staff("admin")).json()) == 2
    assert sm.client.get("/api/v1/supervision/alerts", headers=sm.staff("reviewer", "amr")).status_code == 403
    only_red = sm.client.get("/api/v1/supervision/alerts", params={"kind": "red"}, headers=sm.staff("admin")).json()
    assert [a["kind"] for a in only_red] == ["red"]


def test_an_ended_case_raises_nothing(sm: SM) -> None:
    case_no = _file_at(sm, at("2026-11-02"))
    sm.approve(case_no, license=False)
    assert _scan(sm, at("2026-12-30")) == supervision.ScanResult()


def test_a_state_that_overruns_its_own_limit_escalates(sm: SM) -> None:
    _upload(sm, WITH_STEPS, {"document_check": 1})
    case_no = _window_case(sm)
    now = dt.datetime.now(dt.UTC)
    assert _scan(sm, now).escalated == 0
    result = _scan(sm, now + dt.timedelta(days=5))
    assert result.escalated == 1
    assert _scan(sm, now + dt.timedelta(days=6)).escalated == 0
    [event] = sm.events(CASE_ESCALATED)
    assert event.data["state"] == "document_check" and event.data["department_code"] == "hrss"
    alerts = sm.client.get("/api/v1/supervision/alerts", headers=sm.staff("department_admin", "hrss")).json()
    assert [(a["case_no"], a["kind"], a["state"]) for a in alerts if a["kind"] == "state_overdue"] == [
        (case_no, "state_overdue", "document_check")
    ]
    assert next(s for s in sm.case(case_no)["states"] if s["state"] == "document_check")["escalated_at"]


def test_performance_figures_as_json_and_csv(sm: SM) -> None:
    instant = sm.file()["case_no"]
    sm.approve(instant, automated=True)
    sm.issue_licence(instant)
    reviewed = sm.file(ITEM_REVIEWED, FOOD_FORM)["case_no"]
    sm.approve(reviewed)
    sm.issue_licence(reviewed, "AMR-2")
    sm.file(ITEM_REVIEWED, FOOD_FORM)  # still open
    sm.client.post(f"/api/v1/cases/{instant}/evaluation", json={"rating": 5}, headers=sm.person())
    sm.client.post(
        f"/api/v1/cases/{reviewed}/evaluation",
        json={"rating": 2, "reasons": ["too_slow"], "comment": "太慢"},
        headers=sm.person(),
    )
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    params = {"from": str(today - dt.timedelta(days=1)), "to": str(today + dt.timedelta(days=1))}
    admin = sm.staff("admin")
    [amr] = sm.client.get("/api/v1/supervision/performance", params=params, headers=admin).json()
    assert amr["key"] == "amr" and amr["volume"] == 3 and amr["finished"] == 2 and amr["on_time_rate"] == 1.0
    assert amr["instant_share"] == 0.5 and amr["satisfaction"] == 3.5 and amr["average_days"] is not None
    by_item = sm.client.get("/api/v1/supervision/performance", params={**params, "by": "item"}, headers=admin).json()
    assert {r["key"]: r["volume"] for r in by_item} == {"330122-AMR-XK-0001": 1, ITEM_REVIEWED: 2}
    response = sm.client.get("/api/v1/supervision/performance", params={**params, "format": "csv"}, headers=admin)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["department"] == "amr" and rows[0]["volume"] == "3" and rows[0]["instant_share"] == "0.5"
    psb = sm.client.get("/api/v1/supervision/performance", params=params, headers=sm.staff("department_admin", "psb"))
    assert psb.json() == []
    backwards = sm.client.get(
        "/api/v1/supervision/performance", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=admin
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "to"
    assert sm.client.get("/api/v1/supervision/performance", params=params, headers=sm.person()).status_code == 403
