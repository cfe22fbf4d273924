from __future__ import annotations

from fastapi import APIRouter, Response

from gov_common.auth import Applicant, CurrentPrincipal
from gov_common.messaging import gathered
from gov_common.pagination import Page
from gov_common.service import DbSession
from service_management.cases import idempotency, prefetch, service
from service_management.cases.idempotency import IdempotencyKey
from service_management.cases.materials import refs
from service_management.cases.reading import case_detail
from service_management.cases.schemas import (
    CaseCreate,
    CaseCreated,
    CaseOut,
    CaseSummary,
)
from service_management.ports import CurrentPorts

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
    with gathered(session):  # the credit read's event and the filing's in one statement (the unit of work's)
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
    return case_detail(session, service.get_visible_case(session, principal=principal, case_no=case_no))
