"""Receiving dispatched cases, instant approval by decision table, and reviewers' decisions."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from business_systems import rules
from business_systems.models import WorkItem
from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.errors import Conflict, NotFound
from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import emit
from gov_common.pagination import PageRequest

log = logging.getLogger("business_systems.review")


class Status:
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


def receive_dispatched(session: Session, event: Event, *, department_code: str) -> WorkItem | None:
    data = event.data
    if data.get("department_code") != department_code:
        return None  # another department's case: not ours to see or store
    existing = session.scalars(select(WorkItem).where(WorkItem.case_no == data["case_no"])).first()
    if existing is not None:
        return existing
    work = WorkItem(
        case_no=data["case_no"],
        department_code=department_code,
        item_code=data["item_code"],
        item_version=data.get("item_version", 1),
        item_name=data.get("item_name", data["item_code"]),
        applicant=data["applicant"],
        form=data.get("form") or {},
        license_spec=data.get("license"),
        status=Status.PENDING,
        received_at=utcnow(),
    )
    session.add(work)
    session.flush()
    log.info("case %s received by %s", work.case_no, department_code)
    rule = data.get("rule")
    if data.get("instant_approval") and rule and rule.get("graph"):
        facts = {"applicant": data["applicant"].get("facts", {}), "form": work.form}
        try:
            decision = rules.evaluate(rule["graph"], facts)
        except rules.RuleError as exc:
            log.warning("rule of %s failed, case %s goes to review: %s", work.item_code, work.case_no, exc)
            work.rule_version = rule.get("version")
            work.rule_inputs = facts
            work.rule_output = {"error": str(exc)}
            return work
        work.rule_version = rule.get("version")
        work.rule_inputs = facts
        work.rule_output = {**decision.output, "trace": decision.trace}
        if decision.eligible:
            _decide(session, work, approve=True, by="system", opinion=decision.reason, automated=True)
    return work


def _decide(session: Session, work: WorkItem, *, approve: bool, by: str, opinion: str, automated: bool) -> None:
    work.status = Status.APPROVED if approve else Status.DENIED
    work.decided_by = by
    work.opinion = opinion
    work.automated = automated
    work.decided_at = utcnow()
    log.info("case %s %s by %s", work.case_no, work.status, by)
    data: dict[str, Any] = {
        "case_no": work.case_no,
        "item_code": work.item_code,
        "department_code": work.department_code,
        "decided_by": by,
        "opinion": opinion,
        "automated": automated,
        "decided_at": work.decided_at.isoformat(),
    }
    if approve:
        if work.license_spec:
            data["license"] = {
                **work.license_spec,
                "holder": {
                    "id_number": work.applicant.get("id_number"),
                    "name": work.applicant.get("name"),
                    "type": work.applicant.get("type"),
                },
                "fields": dict(work.form),
                "issuer_department": work.department_code,
            }
        if automated:
            data["rule"] = {"version": work.rule_version, "inputs": work.rule_inputs}
    emit(
        session,
        Topics.CASE,
        Event.new(
            type=EventTypes.CASE_APPROVED if approve else EventTypes.CASE_DENIED,
            source=f"/business-systems/{work.department_code}",
            subject=work.case_no,
            data=data,
        ),
    )


def get_work_item(session: Session, *, principal: Principal, case_no: str, department_code: str) -> WorkItem:
    work = session.scalars(select(WorkItem).where(WorkItem.case_no == case_no)).first()
    # Another department's case answers like one that does not exist.
    if work is None or principal.department != department_code:
        raise NotFound(f"case {case_no} not found in this department")
    return work


def decide(
    session: Session, *, principal: Principal, case_no: str, department_code: str, approve: bool, opinion: str
) -> WorkItem:
    work = get_work_item(session, principal=principal, case_no=case_no, department_code=department_code)
    if work.status != Status.PENDING:
        raise Conflict(f"case {case_no} is already {work.status}")
    _decide(session, work, approve=approve, by=principal.name, opinion=opinion, automated=False)
    return work


def worklist(
    session: Session, *, principal: Principal, department_code: str, page: PageRequest
) -> tuple[list[WorkItem], int]:
    if principal.department != department_code:
        return [], 0
    query = select(WorkItem).where(WorkItem.status == Status.PENDING)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(WorkItem.id).offset(page.offset).limit(page.page_size)).all()
    return list(items), total
