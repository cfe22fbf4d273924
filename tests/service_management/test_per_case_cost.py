"""What one case costs service-management (issue 13): the calendar read once per unit of work, each
process definition parsed once per process, one definition and one decision-table query per filing,
no clock_changed for the clock's start, and a bounded number of statements per filing and per read."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import sqlalchemy

from gov_common.events import EventTypes
from service_management.events import CASE_CLOCK_CHANGED
from service_management.supervision.calendar import load_calendar, set_day
from service_management.workflow import engine
from tests.service_management.conftest import SM


def _statements(sm: SM) -> list[tuple[int, str]]:
    """Every statement with the thread that ran it (the endpoint runs in a worker thread, the outbox
    relay, woken after each commit, in its own: `_of_request` drops the relay's thread)."""
    seen: list[tuple[int, str]] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append((threading.get_ident(), statement))

    sqlalchemy.event.listen(sm.runtime.db.engine, "before_cursor_execute", record)
    return seen


def _of_request(seen: list[tuple[int, str]]) -> list[str]:
    relay = {t for t, s in seen if "FROM outbox" in s or s.startswith("UPDATE outbox")}
    return [s for t, s in seen if t not in relay]


def test_the_calendar_is_read_once_per_unit_of_work_and_again_after_an_edit(sm: SM) -> None:
    with sm.session() as session:
        first = load_calendar(session)
        assert load_calendar(session) is first
        saturday = dt.date(2031, 1, 4)
        assert not first.is_working_day(saturday)
        set_day(session, day=saturday, kind="workday", name="调休")
        again = load_calendar(session)
        assert again is not first and again.is_working_day(saturday)
    with sm.session() as session:
        assert load_calendar(session).is_working_day(saturday)


def test_a_process_definition_is_parsed_once_per_process(sm: SM) -> None:
    sm.file()
    before = engine._parsed_spec.cache_info()
    sm.file()
    after = engine._parsed_spec.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


def test_filing_an_instant_case_runs_a_bounded_number_of_statements(any_sm: SM) -> None:
    sm = any_sm
    sm.file()  # warm: first filing of the process
    seen = _statements(sm)
    case_no = sm.file()["case_no"]
    mine = _of_request(seen)
    assert sum("FROM calendar_days" in s for s in mine) == 1
    assert sum("FROM process_definitions" in s for s in mine) == 1
    assert sum("FROM decision_tables" in s for s in mine) == 1
    assert len(mine) <= 25, "\n".join(mine)  # 25: the outbox row of gov.case.submitted (the warehouse)
    types = [e.type for e in sm.events(EventTypes.CASE_DISPATCHED) + sm.events(CASE_CLOCK_CHANGED)]
    assert types.count(CASE_CLOCK_CHANGED) == 0 and types.count(EventTypes.CASE_DISPATCHED) == 2
    seen.clear()
    sm.case(case_no, headers=sm.person())
    reading = _of_request(seen)
    assert sum("FROM case_materials" in s for s in reading) == 1
    assert len(reading) <= 12, "\n".join(reading)
