"""A case's clock against its committed time limit, in working days; paused during a supplement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gov_common.contracts.events import CaseClockChanged
from gov_common.workdays import WorkCalendar, deadline, extend, remaining_working_days
from service_management.events import emit_event
from service_management.models import Case


class Clock:
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


def remaining(case: Case, calendar: WorkCalendar, now: dt.datetime) -> int | None:
    if case.due_date is None:
        return None
    if case.clock_state == Clock.PAUSED and case.paused_at is not None:
        now = case.paused_at  # time does not run while paused
    return remaining_working_days(calendar, now, case.due_date)


def _changed(session: Session, case: Case, calendar: WorkCalendar, now: dt.datetime) -> None:
    emit_event(
        session,
        CaseClockChanged(
            case_no=case.case_no,
            # whose case: each department's system skips the others' (business_systems concerns_department)
            department_code=case.department_code,
            due_at=case.due_at if case.clock_state != Clock.STOPPED else None,
            paused=case.clock_state == Clock.PAUSED,
            stopped=case.clock_state == Clock.STOPPED,
            remaining_working_days=remaining(case, calendar, now),
        ),
        subject=case.case_no,
    )


def start(session: Session, case: Case, calendar: WorkCalendar, *, limit_days: int, now: dt.datetime) -> None:
    due = deadline(calendar, now, limit_days)
    case.limit_days = limit_days
    case.clock_started_at = now
    case.due_date, case.due_at = due.due_date, due.due_at
    case.clock_state = Clock.RUNNING
    case.paused_at = None
    # No gov.case.clock_changed: its one consumer, the department's system, has no work item for
    # the case yet; gov.case.dispatched, which always follows the start, carries the due time.


def pause(session: Session, case: Case, calendar: WorkCalendar, *, now: dt.datetime) -> None:
    if case.clock_state != Clock.RUNNING:
        return
    case.clock_state = Clock.PAUSED
    case.paused_at = now
    _changed(session, case, calendar, now)


def resume(session: Session, case: Case, calendar: WorkCalendar, *, now: dt.datetime) -> None:
    if case.clock_state != Clock.PAUSED or case.paused_at is None or case.due_date is None:
        return
    moved = extend(calendar, case.due_date, case.paused_at, now)
    case.due_date, case.due_at = moved.due_date, moved.due_at
    case.clock_state = Clock.RUNNING
    case.paused_at = None
    _changed(session, case, calendar, now)


def stop(case: Case) -> None:
    """The case ended: its clock stops. No gov.case.clock_changed: the event that ends the case
    (gov.case.concluded, .denied, .rejected) tells it, and no department holds a pending work item
    for a case that ends (rejected before dispatch; denied or approved by the department itself, whose
    system stops the work item's clock when it decides)."""
    case.clock_state = Clock.STOPPED


def elapsed_share(case: Case, calendar: WorkCalendar, now: dt.datetime) -> float:
    """The share of the committed limit used so far, in working days (1.0: the limit is reached)."""
    left = remaining(case, calendar, now)
    if left is None:
        return 0.0
    if case.limit_days <= 0:
        return 1.0 if left < 0 else 0.0
    return (case.limit_days - left) / case.limit_days
