"""Filing, intake and dispatch of cases, and the case's progress as departments report it.

The same functions serve HTTP and the event consumer. None of them commits: the unit of work
(the request or the handled event) does.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import NotFound
from gov_common.events import Event, EventTypes, Topics
from gov_common.identity import age_on
from gov_common.messaging import emit
from gov_common.pagination import PageRequest
from service_management.catalogue.service import get_published, validate_form
from service_management.models import Case, CaseStep, Item

log = logging.getLogger("service_management.cases")
SOURCE = "/service-management"
TERMINAL = frozenset({"concluded", "denied", "rejected"})


class Status:
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    APPROVED = "approved"
    DENIED = "denied"
    REJECTED = "rejected"
    CONCLUDED = "concluded"


def _new_case_no(now: datetime) -> str:
    # Date for the reader, random digits so that replicas need no shared counter.
    return f"{now:%Y%m%d}{secrets.randbelow(10**10):010d}"


def _step(case: Case, status: str, actor: str, note: str | None = None, at: datetime | None = None) -> None:
    case.status = status
    case.timeline.append(CaseStep(status=status, actor=actor, note=note, at=at or utcnow()))


def file_case(
    session: Session, *, principal: Principal, item_code: str, form: dict[str, Any], channel: str = "online"
) -> Case:
    item = get_published(session, item_code)
    cleaned = validate_form(item, form)
    now = utcnow()
    case = Case(
        case_no=_new_case_no(now),
        item_id=item.id,
        item_code=item.code,
        item_version=item.version,
        department_code=item.department_code,
        applicant_sub=principal.sub,
        applicant_type=principal.account_type,
        applicant_id_number=principal.id_number or "",
        applicant_name=principal.name,
        channel=channel,
        form=cleaned,
        status=Status.SUBMITTED,
        created_at=now,
        timeline=[],
    )
    _step(case, Status.SUBMITTED, actor=principal.name, note=f"{channel} application", at=now)
    session.add(case)
    session.flush()
    # Online pre-check: the form is complete and valid, and the item asks for nothing else yet,
    # so intake accepts at once and dispatches to the implementing department.
    _step(case, Status.ACCEPTED, actor="system", note="online pre-check passed")
    dispatch(session, case=case, item=item)
    log.info("case %s filed for %s and dispatched to %s", case.case_no, item.code, item.department_code)
    return case


def _applicant_facts(case: Case) -> dict[str, Any]:
    facts: dict[str, Any] = {"type": case.applicant_type}
    if case.applicant_type == "person" and len(case.applicant_id_number) == 18:
        facts["age"] = age_on(case.applicant_id_number, utcnow().date())
    return facts


def dispatch(session: Session, *, case: Case, item: Item) -> None:
    _step(case, Status.DISPATCHED, actor="system", note=f"dispatched to {item.department_code}")
    emit(
        session,
        Topics.CASE,
        Event.new(
            type=EventTypes.CASE_DISPATCHED,
            source=SOURCE,
            subject=case.case_no,
            data={
                "case_no": case.case_no,
                "item_code": item.code,
                "item_version": item.version,
                "item_name": item.name,
                "department_code": item.department_code,
                "applicant": {
                    "sub": case.applicant_sub,
                    "type": case.applicant_type,
                    "id_number": case.applicant_id_number,
                    "name": case.applicant_name,
                    "facts": _applicant_facts(case),
                },
                "form": case.form,
                "instant_approval": item.instant_approval,
                "rule": {"version": item.rule_version, "graph": item.rule} if item.rule else None,
                "license": {"type": item.license_type, "name": item.license_name} if item.license_type else None,
                "committed_days": item.committed_days,
            },
        ),
    )


def can_see(principal: Principal, case: Case) -> bool:
    if principal.is_applicant:
        return principal.sub == case.applicant_sub
    if principal.has_role(Roles.ADMIN, Roles.CLERK):
        return True
    return principal.has_role(Roles.REVIEWER, Roles.DEPARTMENT_ADMIN) and principal.department == case.department_code


def get_visible_case(session: Session, *, principal: Principal, case_no: str) -> tuple[Case, Item]:
    case = session.scalars(select(Case).where(Case.case_no == case_no).options(selectinload(Case.timeline))).first()
    # Someone else's case answers exactly like a case that does not exist.
    if case is None or not can_see(principal, case):
        raise NotFound(f"case {case_no} not found")
    item = session.get_one(Item, case.item_id)
    return case, item


def list_my_cases(session: Session, *, principal: Principal, page: PageRequest) -> tuple[list[Case], int]:
    query = select(Case).where(Case.applicant_sub == principal.sub)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = session.scalars(query.order_by(Case.id.desc()).offset(page.offset).limit(page.page_size)).all()
    return list(cases), total


def _load_for_update(session: Session, case_no: str) -> Case | None:
    return session.scalars(
        select(Case).where(Case.case_no == case_no).options(selectinload(Case.timeline)).with_for_update()
    ).first()


def record_approval(session: Session, event: Event) -> None:
    case = _load_for_update(session, event.data["case_no"])
    if case is None or case.status != Status.DISPATCHED:
        return  # already past approval (the licence event came first), or not ours
    actor = "instant approval" if event.data.get("automated") else event.data.get("decided_by", "reviewer")
    _step(case, Status.APPROVED, actor=actor, note=event.data.get("opinion"))
    case.opinion = event.data.get("opinion")
    if not event.data.get("license"):
        _conclude(session, case, license_no=None)


def record_denial(session: Session, event: Event) -> None:
    case = _load_for_update(session, event.data["case_no"])
    if case is None or case.status in TERMINAL:
        return
    case.opinion = event.data.get("opinion")
    _step(case, Status.DENIED, actor=event.data.get("decided_by", "reviewer"), note=case.opinion)
    case.concluded_at = utcnow()
    log.info("case %s denied", case.case_no)


def record_license(session: Session, event: Event) -> None:
    case = _load_for_update(session, event.data["case_no"])
    if case is None or case.status in TERMINAL:
        return
    if case.status == Status.DISPATCHED:
        # The licence topic overtook the case topic; the approval is implied by the licence.
        _step(case, Status.APPROVED, actor="department", note="approval implied by the issued licence")
    _conclude(session, case, license_no=event.data["license_no"])


def _conclude(session: Session, case: Case, *, license_no: str | None) -> None:
    case.license_no = license_no
    case.concluded_at = utcnow()
    _step(case, Status.CONCLUDED, actor="system", note=f"licence {license_no}" if license_no else None)
    log.info("case %s concluded (licence %s)", case.case_no, license_no)
    emit(
        session,
        Topics.CASE,
        Event.new(
            type=EventTypes.CASE_CONCLUDED,
            source=SOURCE,
            subject=case.case_no,
            data={
                "case_no": case.case_no,
                "item_code": case.item_code,
                "applicant_sub": case.applicant_sub,
                "license_no": license_no,
                "concluded_at": case.concluded_at.isoformat(),
            },
        ),
    )


HANDLERS = {
    EventTypes.CASE_APPROVED: record_approval,
    EventTypes.CASE_DENIED: record_denial,
    EventTypes.LICENSE_ISSUED: record_license,
}
