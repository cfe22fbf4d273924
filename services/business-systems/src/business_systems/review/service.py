"""Receiving dispatched cases, instant approval by decision table, and the review chain's steps.

The same functions serve HTTP and the event consumer. None of them commits: the unit of work
(the request or the handled event) does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from business_systems.chains.service import STEP_LABELS, chain_for
from business_systems.handlers import HandlerRegistry, Registries
from business_systems.models import ReviewAction, WorkItem
from business_systems.registries import DataSharingRegistries
from business_systems.review import events
from business_systems.review.checks import HandlerFailed, dispatched_case_view, license_content, run_checks
from gov_common import decisions as rules
from gov_common.auth import Principal, role_label
from gov_common.contracts.events import CaseClockChanged, CaseDispatched, DecisionTableRef
from gov_common.db import utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound
from gov_common.events import Event

log = logging.getLogger("business_systems.review")

Action = Literal["pass", "send_back", "approve", "deny"]


class Status:
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


# A work item's status in the messages a person reads.
STATUS_LABELS = {Status.PENDING: "正在审批", Status.APPROVED: "已准予许可", Status.DENIED: "已不予许可"}


def _aware(moment: datetime | None) -> datetime | None:
    """A time from an event; one without its zone (never sent by service-management) is unknown."""
    return moment if moment is not None and moment.tzinfo is not None else None


def _working_days(value: int | None) -> int | None:
    """The committed limit from an event: a non-negative whole number of working days, else unknown."""
    return value if value is not None and value >= 0 else None


def _move_to(work: WorkItem, step_no: int | None) -> None:
    work.current_step = step_no
    if step_no is None:
        work.current_step_name = work.current_step_role = None
    else:
        step = work.chain[step_no - 1]
        work.current_step_name, work.current_step_role = step["name"], step["role"]


@dataclass(frozen=True)
class ArrivalChecks:
    """What the item's handler found on a dispatched case (`check_arrival`), to store with its work item."""

    handler: str
    findings: list[dict[str, Any]]


def concerns_department(event: Event, department_code: str) -> bool:
    """Whether a case event may concern this department's system. On its department's topic (the
    default, settings.case_topics) every event does; where a deployment reads gov.case.v1 (every
    department's cases, during an upgrade), an event naming another department is skipped before any database
    work and before its data is parsed (the consumer's `accepts`, which sees the event undecoded: one
    key of its data is read, so that other departments' events cost no parse here). An event naming
    none (a clock report from before service-management named it) is looked at."""
    named = event.data.get("department_code")
    return named is None or named == department_code


def check_arrival(
    event: Event,
    *,
    department_code: str,
    handlers: HandlerRegistry,
    registries: Callable[[Mapping[str, Any]], Registries] | None = None,
) -> ArrivalChecks | None:
    """The consumer's prepare stage for a dispatched case: the item handler's checks, whose registry
    look-ups may ask data-sharing over HTTP, run before the transaction that stores the case opens.
    `registries` gives the registries a handler may consult for an applicant; without it only the
    facts that came with the case are known and any live lookup is refused (a `registry_error`
    finding). Raises RegistryOutage (a TransientFailure) when a registry cannot be asked now: the
    consumer retries the event, and the case is stored only once its checks could be made. None for
    another department's case (nothing is asked)."""
    dispatched = CaseDispatched.of(event)
    if dispatched.department_code != department_code:
        return None
    handler_name, handler = handlers.for_item(dispatched.item_code)
    case = dispatched_case_view(dispatched)
    applicant = dispatched.applicant.model_dump(mode="json")
    findings = run_checks(handler_name, handler, case, (registries or DataSharingRegistries)(applicant))
    return ArrivalChecks(handler=handler_name, findings=findings)


def receive_dispatched(
    session: Session,
    event: Event,
    *,
    department_code: str,
    checks: ArrivalChecks | None,
    instance_id: str | None = None,
    handlers: HandlerRegistry,
) -> WorkItem | None:
    """Stores a dispatched case of this department as a work item with the findings `check_arrival`
    made before the transaction, and tries instant approval."""
    dispatched = CaseDispatched.of(event)
    if dispatched.department_code != department_code:
        return None  # another department's case: not ours to see or store
    if checks is None:
        raise ValueError(f"case {dispatched.case_no} arrived without its arrival checks (check_arrival)")
    existing = session.scalars(select(WorkItem).where(WorkItem.case_no == dispatched.case_no)).first()
    if existing is not None:
        return existing
    steps, chain_version = chain_for(session, dispatched.item_code)
    handler_name = checks.handler
    due_at = _aware(dispatched.due_at)
    work = WorkItem(
        case_no=dispatched.case_no,
        department_code=department_code,
        item_code=dispatched.item_code,
        item_version=dispatched.item_version or 1,
        item_name=dispatched.item_name or dispatched.item_code,
        applicant=dispatched.applicant.model_dump(mode="json"),
        form=dict(dispatched.form),
        materials=[m.model_dump(mode="json") for m in dispatched.materials],
        bundle=dispatched.bundle.model_dump(mode="json") if dispatched.bundle else None,
        license_spec=dispatched.license.model_dump(mode="json") if dispatched.license else None,
        status=Status.PENDING,
        handler=handler_name,
        chain=steps,
        chain_version=chain_version,
        due_at=due_at,
        clock_paused=False,
        committed_days=_working_days(dispatched.committed_days),
        clock_updated_at=event.time if due_at is not None else None,
        automated=False,
        received_at=utcnow(),
        received_by=instance_id,
    )
    _move_to(work, 1)
    work.findings = list(checks.findings)
    session.add(work)
    # Not flushed here: an instant approval below completes the row first, so that it is one INSERT of
    # the decided item (the decision's outbox row flushes it), not an INSERT and then an UPDATE.
    log.info("case %s received by %s (handler %s, %d steps)", work.case_no, department_code, handler_name, len(steps))
    rule = dispatched.rule
    if dispatched.instant_approval and rule is not None and rule.graph:
        _try_instant_approval(session, work, rule, handlers)
    return work


def _try_instant_approval(session: Session, work: WorkItem, rule: DecisionTableRef, handlers: HandlerRegistry) -> None:
    assert rule.graph is not None
    facts = {"applicant": work.applicant.get("facts", {}), "form": work.form}
    work.rule_version = rule.version
    work.rule_inputs = facts
    try:
        decision = rules.evaluate(rule.graph, facts)
    except rules.RuleError as exc:
        log.warning("rule of %s failed, case %s goes to review: %s", work.item_code, work.case_no, exc)
        work.rule_output = {"error": str(exc)}
        return
    blocking = [f for f in work.findings if f.get("blocking")]
    # A JSON column is stored as assigned: the whole explanation is built first, then assigned once.
    work.rule_output = {
        **decision.output,
        "trace": decision.trace,
        **({"blocked_by_findings": True} if decision.eligible and blocking else {}),
    }
    if not decision.eligible:
        return
    if blocking:
        # The table would approve, but the item's handler found something a person must look at.
        log.info("case %s not approved instantly: %d blocking findings", work.case_no, len(blocking))
        return
    try:
        _decide(session, work, approve=True, by="system", opinion=decision.reason, automated=True, handlers=handlers)
    except HandlerFailed as exc:
        # Nothing was decided: the case goes to people, with the reason.
        work.findings = [
            *work.findings,
            {"kind": "handler", "field": None, "code": "handler_error", "message": exc.detail, "blocking": True},
        ]


def _decide(
    session: Session,
    work: WorkItem,
    *,
    approve: bool,
    by: str,
    opinion: str,
    automated: bool,
    handlers: HandlerRegistry,
) -> None:
    now = utcnow()
    if approve and work.license_spec:
        # Asked first: a handler that fails leaves the case exactly as it was.
        handler_name, handler = handlers.for_item(work.item_code)
        content = license_content(handler_name, handler, work, decided_at=now)
        work.license_content = {
            "fields": dict(content.fields),
            "trust_level": content.trust_level,
            "valid_until": content.valid_until.isoformat() if content.valid_until else None,
        }
    work.status = Status.APPROVED if approve else Status.DENIED
    work.decided_by = by
    work.opinion = opinion
    work.automated = automated
    work.decided_at = now
    # The department's time limit is met or missed by this decision: its clock stops here (the case
    # ends with it or after it, and service-management tells no stop of its clock).
    work.due_at, work.clock_paused, work.remaining_working_days = None, False, None
    work.clock_updated_at = now
    _move_to(work, None)
    log.info("case %s %s by %s", work.case_no, work.status, by)
    events.decided(session, work)


def record_clock(session: Session, event: Event) -> WorkItem | None:
    """service-management's clock for a case: due time, paused, remaining working days."""
    clock = CaseClockChanged.of(event)
    work = session.scalars(select(WorkItem).where(WorkItem.case_no == clock.case_no).with_for_update()).first()
    if work is None:
        return None  # not a case of this department
    if work.status != Status.PENDING:
        return work  # decided: its clock stopped then (_decide)
    if work.clock_updated_at is not None and event.time < work.clock_updated_at:
        return work  # an older report than the one we keep
    work.due_at = _aware(clock.due_at)
    work.clock_paused = clock.paused
    work.remaining_working_days = clock.remaining_working_days
    work.clock_updated_at = event.time
    return work


def get_work_item(
    session: Session, *, principal: Principal, case_no: str, department_code: str, for_update: bool = False
) -> WorkItem:
    # Another department's staff get the answer a case that does not exist gets.
    if principal.department != department_code:
        raise NotFound(f"本部门未找到办件 {case_no}")
    query = (
        select(WorkItem)
        .where(WorkItem.case_no == case_no)
        .options(selectinload(WorkItem.actions), selectinload(WorkItem.attachments))
    )
    if for_update:
        # Locked and read afresh: a concurrent action on the same step waits here, then sees its result.
        query = query.with_for_update(of=WorkItem).execution_options(populate_existing=True)
    work = session.scalars(query).first()
    if work is None:
        raise NotFound(f"本部门未找到办件 {case_no}")
    return work


def act(
    session: Session,
    *,
    principal: Principal,
    case_no: str,
    department_code: str,
    step_no: int,
    action: Action,
    opinion: str,
    handlers: HandlerRegistry,
) -> WorkItem:
    """One action on the case's current step: pass it on, send it back, or (last step) decide."""
    work = get_work_item(
        session, principal=principal, case_no=case_no, department_code=department_code, for_update=True
    )
    if work.status != Status.PENDING or work.current_step is None:
        raise Conflict(f"办件 {case_no} {STATUS_LABELS.get(work.status, work.status)}，不能再办理")
    if step_no != work.current_step:
        current = work.chain[work.current_step - 1]
        raise Conflict(
            f"办件 {case_no} 当前在第 {work.current_step} 步（{STEP_LABELS.get(current['name'], current['name'])}），"
            f"不在第 {step_no} 步",
            field="step",
            current_step=work.current_step,
        )
    step = work.chain[step_no - 1]
    if not principal.has_role(step["role"]):
        raise Forbidden(
            f"本办件第 {step_no} 步（{STEP_LABELS.get(step['name'], step['name'])}）由{role_label(step['role'])}办理"
        )
    last = step_no == len(work.chain)
    if action in ("approve", "deny") and not last:
        raise InvalidField("action", f"只有最后一步作出决定；第 {step_no} 步只能转下一步或退回")
    if action == "pass" and last:
        raise InvalidField("action", "最后一步应作出决定：准予许可或不予许可")
    if action == "send_back" and step_no == 1:
        raise InvalidField("action", "第一步之前没有可退回的步骤")

    record = ReviewAction(
        work_item_id=work.id,
        step_no=step_no,
        step_name=step["name"],
        role=step["role"],
        action=action,
        by_sub=principal.sub,
        by_name=principal.name,
        by_username=principal.username,
        opinion=opinion,
        sent_back_to=step_no - 1 if action == "send_back" else None,
        at=utcnow(),
    )
    session.add(record)
    work.actions.append(record)
    session.flush()
    if action == "send_back":
        _move_to(work, step_no - 1)
        events.sent_back(session, work, record, work.chain[step_no - 2])
        log.info("case %s sent back from step %d to %d by %s", case_no, step_no, step_no - 1, principal.name)
        return work
    if action == "pass":
        _move_to(work, step_no + 1)
        events.step_completed(session, work, record)
        log.info("case %s passed from step %d by %s", case_no, step_no, principal.name)
        return work
    _decide(
        session,
        work,
        approve=action == "approve",
        by=principal.name,
        opinion=opinion,
        automated=False,
        handlers=handlers,
    )
    # The decision goes out first: it is what the other services wait for.
    events.step_completed(session, work, record)
    return work


def decide(
    session: Session,
    *,
    principal: Principal,
    case_no: str,
    department_code: str,
    approve: bool,
    opinion: str,
    handlers: HandlerRegistry,
) -> WorkItem:
    """The decision at the last step of the case's chain (the walking skeleton's one reviewer)."""
    work = get_work_item(session, principal=principal, case_no=case_no, department_code=department_code)
    if work.status != Status.PENDING or work.current_step is None:
        raise Conflict(f"办件 {case_no} {STATUS_LABELS.get(work.status, work.status)}，不能再办理")
    if work.current_step != len(work.chain):
        raise Conflict(
            f"办件 {case_no} 当前在第 {work.current_step} 步（共 {len(work.chain)} 步）；决定在最后一步作出",
            current_step=work.current_step,
        )
    return act(
        session,
        principal=principal,
        case_no=case_no,
        department_code=department_code,
        step_no=work.current_step,
        action="approve" if approve else "deny",
        opinion=opinion,
        handlers=handlers,
    )
