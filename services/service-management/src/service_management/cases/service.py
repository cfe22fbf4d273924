"""A case's life: filing, its BPMN process and what entering a state means (dispatch, the end),
and who may see it. Materials, dispatch, endings and the consumed events have their own modules.

The same functions serve HTTP and the event consumer. None of them commits: the unit of work
(the request or the handled event) does. See docs/service-management.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from gov_common.auth import Principal, Roles
from gov_common.contracts.events import Applicant, CaseAccepted, CaseRejected, CaseSubmitted, ItemRef
from gov_common.db import utcnow
from gov_common.errors import Forbidden, InvalidField, NotFound
from gov_common.messaging import gathering
from gov_common.pagination import PageRequest
from gov_common.workdays import local_date
from service_management.cases.dispatch import dispatch
from service_management.cases.endings import conclude, ended
from service_management.cases.materials import (
    MaterialRef,
    attach_materials,
    auto_acceptable,
    filed_materials,
    missing_materials,
)
from service_management.cases.timeline import TERMINAL, Status, step
from service_management.catalogue.service import get_published, validate_form
from service_management.events import emit_event
from service_management.models import (
    BundleApplication,
    Case,
    CaseWorkflow,
    Item,
)
from service_management.ports import Ports
from service_management.supervision import clock
from service_management.supervision.calendar import load_calendar
from service_management.workflow import engine
from service_management.workflow import service as workflow
from service_management.workflow.service import Transition
from service_management.workflow.service import remember as remember_process

log = logging.getLogger("service_management.cases")

# A department's staff: reviewers, department admins and the other steps of a review chain.
DEPARTMENT_STAFF = (Roles.REVIEWER, Roles.DEPARTMENT_ADMIN, "handler", "approver")

# Channels and applicant types in the refusals a person reads.
_CHANNEL_WORDS = {"online": "网上渠道", "window": "窗口"}
_APPLICANT_WORDS = {"person": "自然人", "entity": "法人"}


@dataclass(frozen=True)
class ApplicantIdentity:
    sub: str
    type: str  # person or entity
    id_number: str
    name: str
    # For an entity: the person acting for it (its legal representative or an authorised agent).
    acting_id_number: str | None = None
    acting_name: str | None = None


def new_case_no(now: dt.datetime) -> str:
    # The Beijing date for the reader (the date the pages show beside it), random digits so that
    # replicas need no shared counter.
    return f"{local_date(now):%Y%m%d}{secrets.randbelow(10**10):010d}"


def identity_of(principal: Principal) -> ApplicantIdentity:
    actor = principal.actor if principal.account_type == "entity" else None
    return ApplicantIdentity(
        sub=principal.sub,
        type=principal.account_type,
        id_number=principal.id_number or "",
        name=principal.name,
        acting_id_number=(actor or {}).get("idn"),
        acting_name=(actor or {}).get("name"),
    )


# ---------------------------------------------------------------------------------------------
# Filing


# The filing's events (submitted, accepted, dispatched on two topics) written by one statement.
@gathering
def file_case(
    session: Session,
    ports: Ports,
    *,
    applicant: ApplicantIdentity,
    item_code: str,
    form: dict[str, Any],
    materials: list[MaterialRef],
    channel: str = "online",
    filed_by: Principal | None = None,
    bundle: BundleApplication | None = None,
    form_field: str = "form",
    materials_field: str = "materials",
    now: dt.datetime | None = None,
) -> Case:
    now = now or utcnow()
    item = get_published(session, item_code)
    if channel not in item.channels:
        raise InvalidField(
            "item_code",
            f"事项 {item.code} 不能通过{_CHANNEL_WORDS.get(channel, channel)}办理",
            code="item_channel_not_offered",
        )
    if applicant.type not in item.audience:
        raise Forbidden(
            f"事项 {item.code} 不面向{_APPLICANT_WORDS.get(applicant.type, applicant.type)}申请人",
            field="item_code",
            code="item_not_for_applicant_type",
        )
    cleaned = validate_form(item, form, prefix=form_field)
    calendar = load_calendar(session)
    case = Case(
        case_no=new_case_no(now),
        item_id=item.id,
        item_code=item.code,
        item_version=item.version,
        department_code=item.department_code,
        applicant_sub=applicant.sub,
        applicant_type=applicant.type,
        applicant_id_number=applicant.id_number,
        applicant_name=applicant.name,
        acting_id_number=applicant.acting_id_number,
        acting_name=applicant.acting_name,
        channel=channel,
        form=cleaned,
        status=Status.SUBMITTED,
        created_at=now,
        updated_at=now,
        filed_by=filed_by.name if filed_by else None,
        bundle_id=bundle.id if bundle else None,
        timeline=[],
    )
    note = f"{channel} application" if filed_by is None else f"window application taken by {filed_by.name}"
    submitter = applicant.name if applicant.acting_name is None else f"{applicant.acting_name}（代表{applicant.name}）"
    clock.start(session, case, calendar, limit_days=item.committed_days, now=now)
    session.add(case)
    session.flush()  # the case's id, for its materials, process and states
    # Its timeline is written at the end with the steps of the filing, in one statement.
    step(case, Status.SUBMITTED, actor=filed_by.name if filed_by else submitter, note=note, at=now)
    subs = {applicant.sub} | ({filed_by.sub} if filed_by else set())
    provided = attach_materials(
        session,
        ports,
        case=case,
        item=item,
        refs=materials,
        uploader_subs=subs,
        actor=filed_by.name if filed_by else applicant.name,
        field=materials_field,
        paper_confirmer=filed_by is not None,
        now=now,
        new_case=True,
    )
    # What follows reads nothing this unit of work wrote (the process just started is kept in memory,
    # the materials were flushed): the case is written once more at the end, not at every event emitted.
    filed_materials(session)[case.id] = provided
    try:
        with session.no_autoflush:
            # For the warehouse (data-sharing, docs/warehouse.md): the filing with its channel and due time.
            emit_event(
                session,
                CaseSubmitted(
                    **event_parties(case, item),
                    item_version=item.version,
                    department_code=item.department_code,
                    channel=channel,
                    submitted_at=now,
                    committed_days=item.committed_days,
                    due_at=case.due_at,
                    bundle=case.bundle_id is not None,
                ),
                subject=case.case_no,
            )
            transition = workflow.start(
                session, case=case, data=_process_variables(case, item), calendar=calendar, now=now
            )
            apply_transition(session, ports, case=case, item=item, transition=transition, now=now)
            if (
                channel == "online"
                and engine.INTAKE in transition.entered
                and auto_acceptable(item)
                and not missing_materials(session, case=case, item=item, provided=provided)
            ):
                accept(session, ports, case=case, item=item, actor="system", note="online pre-check passed", now=now)
    finally:
        filed_materials(session).pop(case.id, None)
        workflow.forget(session, case)
    log.info("case %s filed for %s (%s), status %s", case.case_no, item.code, channel, case.status)
    return case


def _process_variables(case: Case, item: Item) -> dict[str, Any]:
    return {
        "channel": case.channel,
        "item_code": item.code,
        "applicant": {"type": case.applicant_type},
        "form": dict(case.form),
        "bundle": case.bundle_id is not None,
    }


def event_parties(case: Case, item: Item) -> dict[str, Any]:
    """Part B (notifications): what every case event carries about whose case it is, and for what (the
    fields of gov_common.contracts.events' case events that name their parties)."""
    return {
        "case_no": case.case_no,
        "item_code": item.code,
        "item": ItemRef(code=item.code, name=item.name),
        "applicant": Applicant.named(
            type=case.applicant_type, number=case.applicant_id_number, name=case.applicant_name
        ),
    }


def accept(
    session: Session, ports: Ports, *, case: Case, item: Item, actor: str, note: str | None, now: dt.datetime
) -> None:
    calendar = None  # read where needed (a time limit entered, the clock)
    step(case, Status.ACCEPTED, actor=actor, note=note, at=now)
    # Part B (notifications): the applicant learns of the acceptance (docs/parallel-work-ui.md, contract 1).
    emit_event(session, CaseAccepted(**event_parties(case, item), note=note), subject=case.case_no)
    transition = workflow.advance(
        session, case=case, state=engine.INTAKE, data={"intake_result": "accepted"}, calendar=calendar, now=now
    )
    if transition is not None:
        apply_transition(session, ports, case=case, item=item, transition=transition, now=now)


def reject(
    session: Session, ports: Ports, *, case: Case, item: Item, actor: str, reason: str, now: dt.datetime
) -> None:
    case.reason = reason
    step(case, Status.REJECTED, actor=actor, note=reason, at=now)
    emit_event(session, CaseRejected(**event_parties(case, item), reason=reason), subject=case.case_no)
    case.concluded_at = now
    transition = workflow.advance(
        session, case=case, state=engine.INTAKE, data={"intake_result": "rejected"}, calendar=None, now=now
    )
    if transition is not None:
        apply_transition(session, ports, case=case, item=item, transition=transition, now=now)
    ended(session, case, now)


def apply_transition(
    session: Session,
    ports: Ports,
    *,
    case: Case,
    item: Item | None,
    transition: Transition,
    now: dt.datetime,
) -> None:
    """What entering a state means to the platform; and what the end of the process means.
    `item`: None to read it only if it is needed."""
    if engine.DEPARTMENT_REVIEW in transition.entered:
        dispatch(session, ports, case=case, item=item or session.get_one(Item, case.item_id), now=now)
    if transition.completed:
        _process_completed(session, case, transition.data, now)


def _process_completed(session: Session, case: Case, data: dict[str, Any], now: dt.datetime) -> None:
    if case.status in TERMINAL:
        return
    if data.get("decision") == "approve":
        if data.get("licence_expected") and not case.license_no:
            return  # concluded when the licence is issued
        conclude(session, case, now)


# ---------------------------------------------------------------------------------------------
# Visibility


def can_see(principal: Principal, case: Case) -> bool:
    if principal.is_applicant:
        return principal.sub == case.applicant_sub or (
            bool(principal.id_number) and principal.id_number == case.applicant_id_number
        )
    if principal.has_role(Roles.ADMIN, Roles.CLERK) or principal.is_service:
        return True
    return principal.has_role(*DEPARTMENT_STAFF) and principal.department == case.department_code


def load_case(
    session: Session, case_no: str, *, for_update: bool = False, timeline: bool = True, workflow: bool = False
) -> Case | None:
    """The case by its number; `timeline=False` where its timeline is only added to (the event
    handlers); `workflow=True` reads its process row in the same statement (locked with the case:
    every change of a process locks its case first), for `workflow.advance` and `is_completed`."""
    query = select(Case).where(Case.case_no == case_no)
    if timeline:
        query = query.options(selectinload(Case.timeline))
    if workflow:
        query = query.add_columns(CaseWorkflow).outerjoin(CaseWorkflow, CaseWorkflow.case_id == Case.id)
    if for_update:
        query = query.with_for_update(of=Case) if workflow else query.with_for_update()
    row: Any = session.execute(query).first()
    if row is None:
        return None
    if workflow and row[1] is not None:
        remember_process(session, row[1])
    case: Case = row[0]
    return case


def get_visible_case(session: Session, *, principal: Principal, case_no: str, for_update: bool = False) -> Case:
    case = load_case(session, case_no, for_update=for_update)
    # Someone else's case answers exactly like a case that does not exist.
    if case is None or not can_see(principal, case):
        raise NotFound(f"未找到办件 {case_no}", field="case_no", code="case_not_found")
    return case


def mine(principal: Principal) -> ColumnElement[bool]:
    """The caller's own cases: filed under the account, or under its ID number (at a window, say)."""
    condition = Case.applicant_sub == principal.sub
    if principal.id_number:
        condition = or_(condition, Case.applicant_id_number == principal.id_number)
    return condition


def list_my_cases(session: Session, *, principal: Principal, page: PageRequest) -> tuple[list[Case], int]:
    query = select(Case).where(mine(principal))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = session.scalars(query.order_by(Case.id.desc()).offset(page.offset).limit(page.page_size)).all()
    return list(cases), total
