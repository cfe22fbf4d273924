"""Dispatch: credit facts, the instant-approval check with its stored explanation, and gov.case.dispatched."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from gov_common.contracts.events import (
    BundleBranch,
    CaseDispatched,
    DecisionTableRef,
    DispatchedApplicant,
    DispatchedMaterial,
    LicenseKind,
)
from gov_common.identity import age_on
from gov_common.workdays import WorkCalendar
from service_management.cases.materials import case_materials
from service_management.cases.timeline import Status, step
from service_management.events import emit_event
from service_management.models import (
    BundleApplication,
    Case,
    Item,
)
from service_management.ports import Ports
from service_management.rules import service as rules

log = logging.getLogger("service_management.cases")


def applicant_age(case: Case, today: dt.date) -> int | None:
    if case.applicant_type == "person" and len(case.applicant_id_number) == 18:
        return age_on(case.applicant_id_number, today)
    return None


def dispatch(
    session: Session,
    ports: Ports,
    *,
    case: Case,
    item: Item,
    now: dt.datetime,
    calendar: WorkCalendar | None = None,  # not needed: kept for the callers that pass it
) -> None:
    credit = ports.credit.status(case.applicant_id_number)
    age = applicant_age(case, now.date())
    facts = rules.facts_for(case, age=age, credit=credit)
    table = rules.current_table_version(session, item.code)
    instant = rules.instant_approval_check(
        session, case=case, item=item, facts=facts, credit=credit, now=now, table=table
    )
    step(case, Status.DISPATCHED, actor="system", note=f"dispatched to {item.department_code}", at=now)
    materials = case_materials(session, case)
    bundle = session.get(BundleApplication, case.bundle_id) if case.bundle_id else None
    applicant_facts: dict[str, Any] = {"type": case.applicant_type, "credit": credit.facts()}
    if age is not None:
        applicant_facts["age"] = age
    log.info("case %s dispatched to %s (instant approval allowed: %s)", case.case_no, item.department_code, instant)
    emit_event(
        session,
        CaseDispatched(
            case_no=case.case_no,
            item_code=item.code,
            item_version=item.version,
            item_name=item.name,
            department_code=item.department_code,
            applicant=DispatchedApplicant(
                sub=case.applicant_sub,
                type="entity" if case.applicant_type == "entity" else "person",
                id_number=case.applicant_id_number,
                name=case.applicant_name,
                facts=applicant_facts,
            ),
            form=case.form,
            instant_approval=instant,
            rule=DecisionTableRef(version=table.version, graph=table.graph) if table else None,
            license=LicenseKind(type=item.license_type, name=item.license_name) if item.license_type else None,
            committed_days=item.committed_days,
            due_at=case.due_at,
            materials=[
                DispatchedMaterial(
                    code=m.code,
                    name=m.name,
                    license_no=m.license_no,
                    file_id=m.file_id,
                    paper_received=m.paper_received,
                    # who attached or confirmed it (a window clerk for paper)
                    provided_by=m.provided_by,
                )
                for m in materials
            ],
            bundle=BundleBranch(bundle_no=bundle.bundle_no, branch=item.code) if bundle else None,
        ),
        subject=case.case_no,
    )
