"""The working-day calendar: weekends, holidays and adjusted working days; configurable through the API."""

from __future__ import annotations

import datetime as dt

from gov_common.workdays import WorkCalendar, deadline, end_of_day, extend, remaining_working_days
from tests.service_management.conftest import SM, at

D = dt.date
NATIONAL_DAY_2026 = WorkCalendar(
    holidays=frozenset(D(2026, 10, d) for d in (1, 2, 5, 6, 7)),  # the weekdays of 1–7 October
    workdays=frozenset({D(2026, 9, 20), D(2026, 10, 10)}),  # worked Sunday and Saturday
)


def test_counting_skips_weekends_and_holidays_and_counts_adjusted_working_days() -> None:
    cal = NATIONAL_DAY_2026
    assert not cal.is_working_day(D(2026, 10, 1)) and not cal.is_working_day(D(2026, 10, 3))
    assert cal.is_working_day(D(2026, 10, 10)) and cal.is_working_day(D(2026, 9, 30))
    # Counting starts the next day: Sep 29, Sep 30, Oct 8, Oct 9, Oct 10 (adjusted Saturday).
    assert cal.add_working_days(D(2026, 9, 28), 5) == D(2026, 10, 10)
    assert WorkCalendar().add_working_days(D(2026, 9, 28), 5) == D(2026, 10, 5)  # without the holiday
    assert cal.working_days_between(D(2026, 9, 29), D(2026, 10, 9)) == 3
    assert cal.add_working_days(D(2026, 9, 28), 0) == D(2026, 9, 28)


def test_deadlines_end_at_midnight_in_shanghai_and_move_by_the_paused_working_days() -> None:
    cal = NATIONAL_DAY_2026
    due = deadline(cal, at("2026-09-28"), 5)
    assert due.due_date == D(2026, 10, 10)
    assert due.due_at == end_of_day(D(2026, 10, 10)) == dt.datetime(2026, 10, 10, 16, 0, tzinfo=dt.UTC)
    moved = extend(cal, due.due_date, at("2026-09-29"), at("2026-10-09", 15))
    assert moved.due_date == D(2026, 10, 14)  # three working days later: Oct 12, 13, 14
    assert remaining_working_days(cal, at("2026-10-12"), moved.due_date) == 2
    assert remaining_working_days(cal, at("2026-10-16"), moved.due_date) == -2


def test_the_calendar_is_configured_through_the_api(sm: SM) -> None:
    official = {d["day"]: d["kind"] for d in sm.client.get("/api/v1/calendar", params={"year": 2026}).json()}
    assert official["2026-10-01"] == "holiday" and official["2026-10-10"] == "workday"  # published data
    assert sm.client.get("/api/v1/calendar/2026-12-01").json()["working_day"] is True

    admin = sm.staff("admin")
    put = sm.client.put("/api/v1/calendar/days/2026-12-01", json={"kind": "holiday", "name": "县庆"}, headers=admin)
    assert put.status_code == 200, put.text
    assert sm.client.get("/api/v1/calendar/2026-12-01").json()["working_day"] is False
    saturday = sm.client.put("/api/v1/calendar/days/2026-12-05", json={"kind": "workday"}, headers=admin)
    assert saturday.status_code == 200
    assert sm.client.get("/api/v1/calendar/2026-12-05").json()["working_day"] is True

    wrong = sm.client.put("/api/v1/calendar/days/2026-12-02", json={"kind": "workday"}, headers=admin)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "kind"
    clerk = sm.client.put("/api/v1/calendar/days/2026-12-03", json={"kind": "holiday"}, headers=sm.staff("clerk"))
    assert clerk.status_code == 403
    assert sm.client.delete("/api/v1/calendar/days/2026-12-01", headers=admin).status_code == 204
    assert sm.client.get("/api/v1/calendar/2026-12-01").json()["working_day"] is True
    assert sm.client.delete("/api/v1/calendar/days/2026-12-01", headers=admin).status_code == 404
