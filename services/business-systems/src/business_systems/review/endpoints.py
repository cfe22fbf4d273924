from __future__ import annotations

from fastapi import APIRouter, Response

from business_systems.review import service
from business_systems.review.schemas import DecisionIn, DecisionOut, WorkItemOut
from gov_common.auth import Reviewer
from gov_common.pagination import Page
from gov_common.service import DbSession, Runtime

router = APIRouter(prefix="/api/v1", tags=["review"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not a reviewer"},
    404: {"description": "No such case in this department"},
    409: {"description": "The case is already decided"},
}


def _department(runtime: Runtime) -> str:
    return str(runtime.settings.department_code)  # type: ignore[attr-defined]


@router.get("/worklist", response_model=list[WorkItemOut], responses=_ERRORS)
def worklist(
    principal: Reviewer, session: DbSession, runtime: Runtime, page: Page, response: Response
) -> list[WorkItemOut]:
    """Cases of this department waiting for a reviewer's decision, oldest first."""
    items, total = service.worklist(session, principal=principal, department_code=_department(runtime), page=page)
    page.describe(response, total)
    return [WorkItemOut.model_validate(w) for w in items]


@router.get("/work-items/{case_no}", response_model=WorkItemOut, responses=_ERRORS)
def get_work_item(case_no: str, principal: Reviewer, session: DbSession, runtime: Runtime) -> WorkItemOut:
    """One case as this department handles it, with the explanation of any automated decision."""
    work = service.get_work_item(session, principal=principal, case_no=case_no, department_code=_department(runtime))
    return WorkItemOut.model_validate(work)


@router.post("/cases/{case_no}/decision", response_model=DecisionOut, responses=_ERRORS)
def decide(case_no: str, body: DecisionIn, principal: Reviewer, session: DbSession, runtime: Runtime) -> DecisionOut:
    """Approve or deny a pending case, with an opinion."""
    work = service.decide(
        session,
        principal=principal,
        case_no=case_no,
        department_code=_department(runtime),
        approve=body.decision == "approve",
        opinion=body.opinion,
    )
    return DecisionOut(case_no=work.case_no, status=work.status)
