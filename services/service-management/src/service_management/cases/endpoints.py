from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import select

from gov_common.auth import Applicant, CurrentPrincipal
from gov_common.db import utcnow
from gov_common.pagination import Page
from gov_common.service import DbSession
from service_management.cases import idempotency, prefetch, service
from service_management.cases.idempotency import IdempotencyKey
from service_management.cases.materials import missing_materials
from service_management.cases.reading import case_evaluation, supplement_requests
from service_management.cases.schemas import (
    CaseCreate,
    CaseCreated,
    CaseMaterialOut,
    CaseOut,
    CaseSummary,
    ClockOut,
    DecisionOut,
    ProgressEntry,
    StateOut,
    TimelineEntry,
)
from service_management.intake.service import refs
from service_management.models import BundleApplication, CaseDecision, CaseMaterial, CaseProgress, CaseState, Item
from service_management.ports import CurrentPorts
from service_management.supervision import clock
from service_management.supervision.calendar import load_calendar

router = APIRouter(prefix="/api/v1", tags=["cases"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The item is not for this kind of applicant"},
    404: {"description": "No such case or item, or not yours"},
    409: {"description": "A request with the same Idempotency-Key is being handled (idempotency_key_in_use)"},
    422: {
        "description": "The form or a material does not match the item (the field is named), or the "
        "Idempotency-Key is malformed or was used for a different request (idempotency_key_reused)"
    },
    503: {"description": "The licence library cannot confirm a licence right now"},
}


@router.post("/cases", status_code=201, response_model=CaseCreated, responses=_ERRORS)
def file_case(
    body: CaseCreate, principal: Applicant, session: DbSession, ports: CurrentPorts, key: IdempotencyKey
) -> CaseCreated:
    """File a case online for a published item, with materials (uploads or licences you hold).

    With an `Idempotency-Key`, a resend of the same request (after no answer came) answers as the
    first did, with the same case number, and files nothing again; see docs/operations.md."""
    applicant = service.identity_of(principal)
    digest = idempotency.request_hash("cases", body)
    if (answer := idempotency.replay(session, owner=principal.sub, key=key, digest=digest)) is not None:
        return CaseCreated.model_validate(answer)
    prefetch.end_reads(session)
    materials = refs(body.materials)
    ports = prefetch.for_filing(
        session, ports, applicant_id=applicant.id_number, items=[body.item_code], refs=materials
    )
    if (answer := idempotency.claim(session, owner=principal.sub, key=key, digest=digest)) is not None:
        return CaseCreated.model_validate(answer)
    case = service.file_case(
        session, ports, applicant=applicant, item_code=body.item_code, form=body.form, materials=materials
    )
    created = CaseCreated(case_no=case.case_no, status=case.status)
    idempotency.record(session, owner=principal.sub, key=key, answer=created)
    return created


@router.get("/cases", response_model=list[CaseSummary], responses=_ERRORS)
def list_my_cases(principal: CurrentPrincipal, session: DbSession, page: Page, response: Response) -> list[CaseSummary]:
    """The caller's own cases, newest first; X-Total-Count gives the number of all."""
    cases, total = service.list_my_cases(session, principal=principal, page=page)
    page.describe(response, total)
    return [CaseSummary.model_validate(c) for c in cases]


@router.get("/cases/{case_no}", response_model=CaseOut, responses=_ERRORS)
def get_case(case_no: str, principal: CurrentPrincipal, session: DbSession) -> CaseOut:
    """One case with its timeline, materials, explanations and clock; for its applicant and entitled staff."""
    case = service.get_visible_case(session, principal=principal, case_no=case_no)
    item = session.get_one(Item, case.item_id)

    def rows(model: Any, order: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.case_id == case.id).order_by(order)).all())

    bundle = session.get(BundleApplication, case.bundle_id) if case.bundle_id else None
    calendar = load_calendar(session)
    evaluation = case_evaluation(session, case)
    supplements = supplement_requests(session, case, item)
    materials = rows(CaseMaterial, CaseMaterial.code)
    return CaseOut(
        case_no=case.case_no,
        item_code=case.item_code,
        item_version=case.item_version,
        item_name=item.name,
        department_code=case.department_code,
        channel=case.channel,
        status=case.status,
        applicant_name=case.applicant_name,
        applicant_id_number=case.applicant_id_number,
        applicant_type=case.applicant_type,
        acting_id_number=case.acting_id_number,
        acting_name=case.acting_name,
        form=case.form,
        timeline=[TimelineEntry.model_validate(s) for s in case.timeline],
        progress=[ProgressEntry.model_validate(p) for p in rows(CaseProgress, CaseProgress.id)],
        materials=[CaseMaterialOut.model_validate(m) for m in materials],
        missing_materials=[m["code"] for m in missing_materials(session, case=case, item=item, provided=materials)],
        decisions=[DecisionOut.model_validate(d) for d in rows(CaseDecision, CaseDecision.id)],
        clock=ClockOut(
            state=case.clock_state,
            limit_days=case.limit_days,
            started_at=case.clock_started_at,
            due_at=case.due_at,
            paused_at=case.paused_at,
            remaining_working_days=clock.remaining(case, calendar, utcnow()),
        ),
        states=[StateOut.model_validate(s) for s in rows(CaseState, CaseState.id)],
        bundle_no=bundle.bundle_no if bundle else None,
        reason=case.reason,
        license_no=case.license_no,
        opinion=case.opinion,
        created_at=case.created_at,
        concluded_at=case.concluded_at,
        rated=evaluation is not None,
        evaluation=evaluation,
        supplement=next((r for r in supplements if r.supplied_at is None), None),
        supplements=supplements,
    )
