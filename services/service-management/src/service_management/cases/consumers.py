"""The department's and data-sharing's answers, as events: the same functions whatever the bus."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from gov_common.db import utcnow
from gov_common.events import Event, EventTypes
from service_management.cases.endings import conclude, ended
from service_management.cases.service import apply_transition, load_case
from service_management.cases.timeline import TERMINAL, Status, step
from service_management.models import (
    Case,
    CaseProgress,
)
from service_management.ports import Ports
from service_management.rules import service as rules
from service_management.supervision.calendar import load_calendar
from service_management.workflow import engine
from service_management.workflow import service as workflow

log = logging.getLogger("service_management.cases")
Decision = Callable[[Session, Ports, Event], None]


def _one_write(handle: Decision) -> Decision:
    """A decision's handler reads nothing it wrote itself (the states its process leaves are marked in
    memory and with one UPDATE), so its changes to the case are written once, when its event's
    savepoint ends, instead of before each statement it runs."""

    @functools.wraps(handle)
    def handler(session: Session, ports: Ports, event: Event) -> None:
        with session.no_autoflush:
            handle(session, ports, event)

    return handler


@_one_write
def record_approval(session: Session, ports: Ports, event: Event) -> None:
    case = load_case(session, event.data["case_no"], for_update=True, timeline=False, workflow=True)
    if case is None:
        return
    now = utcnow()
    if case.status != Status.DISPATCHED:
        # The licence overtook this approval and implied it; keep what only the approval carries.
        if case.status in (Status.APPROVED, Status.CONCLUDED) and case.opinion is None:
            case.opinion = event.data.get("opinion")
            if event.data.get("automated") and not case.instant_approved:
                case.instant_approved = True
                rules.record_automated_approval(session, case=case, data=event.data, now=now)
        return
    actor = "instant approval" if event.data.get("automated") else event.data.get("decided_by", "reviewer")
    step(case, Status.APPROVED, actor=actor, note=event.data.get("opinion"), at=now)
    case.opinion = event.data.get("opinion")
    if event.data.get("automated"):
        case.instant_approved = True
        rules.record_automated_approval(session, case=case, data=event.data, now=now)
    _decided(session, ports, case, {"decision": "approve", "licence_expected": bool(event.data.get("license"))}, now)


@_one_write
def record_denial(session: Session, ports: Ports, event: Event) -> None:
    case = load_case(session, event.data["case_no"], for_update=True, timeline=False, workflow=True)
    if case is None or case.status in TERMINAL:
        return
    now = utcnow()
    case.opinion = event.data.get("opinion")
    step(case, Status.DENIED, actor=event.data.get("decided_by", "reviewer"), note=case.opinion, at=now)
    case.concluded_at = now
    _decided(session, ports, case, {"decision": "deny"}, now)
    ended(session, case, load_calendar(session), now)
    log.info("case %s denied", case.case_no)


@_one_write
def record_license(session: Session, ports: Ports, event: Event) -> None:
    case = load_case(session, event.data["case_no"], for_update=True, timeline=False, workflow=True)
    if case is None or case.status in TERMINAL:
        return
    now = utcnow()
    case.license_no = event.data["license_no"]
    if case.status == Status.DISPATCHED:
        # The licence topic overtook the case topic; the approval is implied by the licence.
        step(case, Status.APPROVED, actor="department", note="approval implied by the issued licence", at=now)
        _decided(session, ports, case, {"decision": "approve", "licence_expected": True}, now)
    elif workflow.is_completed(session, case):
        conclude(session, case, load_calendar(session), now)


def _decided(session: Session, ports: Ports, case: Case, data: dict[str, Any], now: dt.datetime) -> None:
    # The calendar is read only where needed (a time limit entered, the case concluded).
    transition = workflow.advance(session, case=case, state=engine.DEPARTMENT_REVIEW, data=data, calendar=None, now=now)
    if transition is not None:
        apply_transition(session, ports, case=case, item=None, transition=transition, calendar=None, now=now)


def record_progress(session: Session, event: Event) -> None:
    case = load_case(session, event.data["case_no"], timeline=False)
    if case is None:
        return
    data = event.data
    kind = "sent_back" if event.type == EventTypes.CASE_SENT_BACK else "step_completed"
    label = data.get("step_label") or data.get("step") or ""
    if kind == "sent_back" and data.get("to_step"):
        label = f"{label} → {data['to_step']}"
    session.add(
        CaseProgress(
            case_id=case.id,
            kind=kind,
            step=str(label)[:100],
            by=str(data.get("by") or "department")[:100],
            opinion=data.get("opinion") or data.get("reason"),
            at=_parse_time(data.get("at")) or utcnow(),
        )
    )


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def make_handlers(ports: Ports) -> dict[str, Callable[[Session, Event], None]]:
    return {
        EventTypes.CASE_APPROVED: lambda session, event: record_approval(session, ports, event),
        EventTypes.CASE_DENIED: lambda session, event: record_denial(session, ports, event),
        EventTypes.LICENSE_ISSUED: lambda session, event: record_license(session, ports, event),
        EventTypes.CASE_STEP_COMPLETED: record_progress,
        EventTypes.CASE_SENT_BACK: record_progress,
    }
