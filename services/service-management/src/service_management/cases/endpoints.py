from __future__ import annotations

from fastapi import APIRouter, Response

from gov_common.auth import Applicant, CurrentPrincipal
from gov_common.pagination import Page
from gov_common.service import DbSession
from service_management.cases import service
from service_management.cases.schemas import (
    CaseCreate,
    CaseCreated,
    CaseOut,
    CaseSummary,
    TimelineEntry,
)

router = APIRouter(prefix="/api/v1", tags=["cases"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    404: {"description": "No such case or item, or not yours"},
    422: {"description": "The form does not match the item (the field is named)"},
}


@router.post("/cases", status_code=201, response_model=CaseCreated, responses=_ERRORS)
def file_case(body: CaseCreate, principal: Applicant, session: DbSession) -> CaseCreated:
    """File a case for a published service item."""
    case = service.file_case(session, principal=principal, item_code=body.item_code, form=body.form)
    return CaseCreated(case_no=case.case_no, status=case.status)


@router.get("/cases", response_model=list[CaseSummary], responses=_ERRORS)
def list_my_cases(principal: CurrentPrincipal, session: DbSession, page: Page, response: Response) -> list[CaseSummary]:
    """The caller's own cases, newest first; X-Total-Count gives the number of all."""
    cases, total = service.list_my_cases(session, principal=principal, page=page)
    page.describe(response, total)
    return [CaseSummary.model_validate(c) for c in cases]


@router.get("/cases/{case_no}", response_model=CaseOut, responses=_ERRORS)
def get_case(case_no: str, principal: CurrentPrincipal, session: DbSession) -> CaseOut:
    """One case with its timeline; only its applicant and the staff entitled to it see it."""
    case, item = service.get_visible_case(session, principal=principal, case_no=case_no)
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
        form=case.form,
        timeline=[TimelineEntry.model_validate(s) for s in case.timeline],
        license_no=case.license_no,
        opinion=case.opinion,
        created_at=case.created_at,
        concluded_at=case.concluded_at,
    )
