"""The department's and data-sharing's answers, as events: the same functions whatever the bus."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from gov_common.contracts.events import (
    CaseApproved,
    CaseDenied,
    CaseSentBack,
    CaseStepCompleted,
    LicenseIssued,
)
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
    approval = CaseApproved.of(event)
    case = load_case(session, approval.case_no, for_update=True, timeline=False, workflow=True)
    if case is None:
        return
    now = utcnow()
    if case.status != Status.DISPATCHED:
        # The licence overtook this approval and implied it; keep what only the approval carries.
        if case.status in (Status.APPROVED, Status.CONCLUDED) and case.opinion is None:
            case.opinion = approval.opinion
            if approval.automated and not case.instant_approved:
                case.instant_approved = True
                rules.record_automated_approval(session, case=case, approval=approval, now=now)
        return
    actor = "instant approval" if approval.automated else approval.decided_by or "reviewer"
    step(case, Status.APPROVED, actor=actor, note=approval.opinion, at=now)
    case.opinion = approval.opinion
    if approval.automated:
        case.instant_approved = True
        rules.record_automated_approval(session, case=case, approval=approval, now=now)
    _decided(session, ports, case, {"decision": "approve", "licence_expected": approval.license is not None}, now)


@_one_write
def record_denial(session: Session, ports: Ports, event: Event) -> None:
    denial = CaseDenied.of(event)
    case = load_case(session, denial.case_no, for_update=True, timeline=False, workflow=True)
    if case is None or case.status in TERMINAL:
        return
    now = utcnow()
    case.opinion = denial.opinion
    step(case, Status.DENIED, actor=denial.decided_by or "reviewer", note=case.opinion, at=now)
    case.concluded_at = now
    _decided(session, ports, case, {"decision": "deny"}, now)
    ended(session, case, now)
    log.info("case %s denied", case.case_no)


@_one_write
def record_license(session: Session, ports: Ports, event: Event) -> None:
    issued = LicenseIssued.of(event)
    if issued.case_no is None:
        return  # a licence registered in the library, not issued for a case
    case = load_case(session, issued.case_no, for_update=True, timeline=False, workflow=True)
    if case is None or case.status in TERMINAL:
        return
    now = utcnow()
    case.license_no = issued.license_no
    if case.status == Status.DISPATCHED:
        # The licence topic overtook the case topic; the approval is implied by the licence.
        step(case, Status.APPROVED, actor="department", note="approval implied by the issued licence", at=now)
        _decided(session, ports, case, {"decision": "approve", "licence_expected": True}, now)
    elif workflow.is_completed(session, case):
        conclude(session, case, now)


def _decided(session: Session, ports: Ports, case: Case, data: dict[str, Any], now: dt.datetime) -> None:
    # The calendar is read only if a state with a time limit is entered.
    transition = workflow.advance(session, case=case, state=engine.DEPARTMENT_REVIEW, data=data, calendar=None, now=now)
    if transition is not None:
        apply_transition(session, ports, case=case, item=None, transition=transition, now=now)


def record_progress(session: Session, event: Event) -> None:
    progress: CaseStepCompleted | CaseSentBack
    if event.type == EventTypes.CASE_SENT_BACK:
        progress = CaseSentBack.of(event)
        label = progress.step or ""
        label, opinion = (f"{label} → {progress.to_step}" if progress.to_step else label), progress.reason
    else:
        progress = CaseStepCompleted.of(event)
        label, opinion = progress.step_label or progress.step or "", progress.opinion
    case = load_case(session, progress.case_no, timeline=False)
    if case is None:
        return
    at = progress.at
    session.add(
        CaseProgress(
            case_id=case.id,
            kind="sent_back" if isinstance(progress, CaseSentBack) else "step_completed",
            step=label[:100],
            by=(progress.by or "department")[:100],
            opinion=opinion,
            at=(at if at.tzinfo else at.replace(tzinfo=dt.UTC)) if at is not None else utcnow(),
        )
    )


def make_handlers(ports: Ports) -> dict[str, Callable[[Session, Event], None]]:
    return {
        EventTypes.CASE_APPROVED: lambda session, event: record_approval(session, ports, event),
        EventTypes.CASE_DENIED: lambda session, event: record_denial(session, ports, event),
        EventTypes.LICENSE_ISSUED: lambda session, event: record_license(session, ports, event),
        EventTypes.CASE_STEP_COMPLETED: record_progress,
        EventTypes.CASE_SENT_BACK: record_progress,
    }
