"""The supervision dashboard's figures: the demo history gives every chart something to show, and
the months of a period add up to the period (the page's KPIs and its monthly table agree)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gov_common.db import utcnow
from service_management.demo_history import seed_history
from tests.service_management.conftest import SM, build_sm

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def history_sm(tmp_path: Path, new_database: Callable[[str], str]) -> Iterator[SM]:
    yield from build_sm(new_database(f"sm_{uuid.uuid4().hex[:8]}"), tmp_path, seed_demo_history=True)


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar months from `start` to `end`, the first and last clipped to them (as the page asks)."""
    months = []
    first = start
    while first <= end:
        following = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append((first, min(end, following - dt.timedelta(days=1))))
        first = following
    return months


def _figures(sm: SM, start: dt.date, end: dt.date, by: str = "department") -> dict[str, dict[str, Any]]:
    response = sm.client.get(
        "/api/v1/supervision/performance",
        params={"from": start.isoformat(), "to": end.isoformat(), "by": by},
        headers=sm.staff("admin"),
    )
    assert response.status_code == 200, response.text
    return {row["key"]: row for row in response.json()}


def test_the_demo_history_fills_every_chart_of_the_dashboard(history_sm: SM) -> None:
    today = dt.datetime.now(BEIJING).date()
    start = (today.replace(day=1) - dt.timedelta(days=150)).replace(day=1)
    figures = _figures(history_sm, start, today)
    assert set(figures) == {"amr", "psb", "hrss"}
    for row in figures.values():
        assert row["volume"] > 0 and row["finished"] == row["volume"]
        assert row["satisfaction"] is not None and 1 <= row["satisfaction"] <= 5
    # Reviewed items take days (not "0.00 天"); some cases were late.
    assert figures["amr"]["average_days"] > 1 and figures["hrss"]["average_days"] > 1
    assert 0.3 < sum(r["on_time"] for r in figures.values()) / sum(r["finished"] for r in figures.values()) < 1
    # Each of the five months before this one has cases.
    months = _months(start, today)
    assert sum(1 for first, last in months if _figures(history_sm, first, last)) >= 5
    # Seeding again adds nothing.
    with history_sm.runtime.db.session() as session:
        assert seed_history(session, now=utcnow()) == 0


@pytest.mark.parametrize("by", ["department", "item"])
def test_the_months_of_a_period_add_up_to_the_period(history_sm: SM, by: str) -> None:
    today = dt.datetime.now(BEIJING).date()
    start = (today.replace(day=1) - dt.timedelta(days=100)).replace(day=17)  # from the middle of a month
    whole = _figures(history_sm, start, today, by)
    monthly = [_figures(history_sm, first, last, by) for first, last in _months(start, today)]
    assert whole
    for key, row in whole.items():
        parts = [m[key] for m in monthly if key in m]
        for count in ("volume", "finished", "on_time", "concluded", "approvals", "instant_approvals", "evaluations"):
            assert row[count] == sum(p[count] for p in parts), (key, count)
        finished = [p for p in parts if p["average_days"] is not None]
        weighted = sum(p["average_days"] * p["finished"] for p in finished) / sum(p["finished"] for p in finished)
        assert row["average_days"] == pytest.approx(weighted, abs=2e-3)
    assert set().union(*monthly) == set(whole)
