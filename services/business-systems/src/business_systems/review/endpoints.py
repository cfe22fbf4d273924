from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from business_systems.chains.service import STEP_LABELS
from business_systems.deps import DepartmentCode, DepartmentStaff, Handlers
from business_systems.review import service, worklist
from business_systems.review.filters import Filters
from business_systems.review.schemas import (
    ActionIn,
    ActionOut,
    DecisionIn,
    DecisionOut,
    DoneOut,
    StepLoadOut,
    WorkItemOut,
    WorkItemSummary,
    detail_of,
    summary_of,
)
from gov_common.pagination import Page
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1", tags=["review"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not department staff, or not the role of the case's current step"},
    404: {"description": "No such case in this department"},
    409: {"description": "The case is decided already, or is at another step"},
}


@router.get("/worklist", response_model=list[WorkItemSummary], responses=_ERRORS)
def my_work(
    principal: DepartmentStaff,
    session: DbSession,
    department: DepartmentCode,
    page: Page,
    response: Response,
    filters: Filters,
    step: Annotated[Literal["handle", "review", "approve"] | None, Query(description="only this step")] = None,
) -> list[WorkItemSummary]:
    """Cases waiting at a step whose role I hold (all of them for a department admin), soonest due first."""
    items, total = worklist.my_work(
        session, principal=principal, department_code=department, step=step, page=page, filters=filters
    )
    page.describe(response, total)
    return [summary_of(w) for w in items]


@router.get("/worklist/done", response_model=list[DoneOut], responses=_ERRORS)
def my_done(
    principal: DepartmentStaff,
    session: DbSession,
    department: DepartmentCode,
    page: Page,
    response: Response,
    filters: Filters,
) -> list[DoneOut]:
    """Cases I acted on, with my last action, newest first (the search and filters apply, not the order)."""
    rows, total = worklist.my_done(session, principal=principal, department_code=department, page=page, filters=filters)
    page.describe(response, total)
    return [DoneOut(case=summary_of(w), my_last_action=ActionOut.model_validate(a)) for w, a in rows]


@router.get("/worklist/summary", response_model=list[StepLoadOut], responses=_ERRORS)
def step_loads(principal: DepartmentStaff, session: DbSession, department: DepartmentCode) -> list[StepLoadOut]:
    """Per review step: how many cases wait there and how many of them are overdue."""
    loads = worklist.step_loads(session, principal=principal, department_code=department)
    return [StepLoadOut(step=s.step, label=STEP_LABELS[s.step], waiting=s.waiting, overdue=s.overdue) for s in loads]


@router.get("/work-items/{case_no}", response_model=WorkItemOut, responses=_ERRORS)
def get_work_item(
    case_no: str, principal: DepartmentStaff, session: DbSession, department: DepartmentCode
) -> WorkItemOut:
    """One case as this department handles it: chain, actions, findings, clock, decision explanation."""
    work = service.get_work_item(session, principal=principal, case_no=case_no, department_code=department)
    return detail_of(work)


@router.post("/work-items/{case_no}/actions", response_model=WorkItemOut, responses=_ERRORS)
def act(
    case_no: str,
    body: ActionIn,
    principal: DepartmentStaff,
    session: DbSession,
    department: DepartmentCode,
    handlers: Handlers,
) -> WorkItemOut:
    """Act on the case's current step: pass it on, send it back with a reason, or (last step) decide."""
    work = service.act(
        session,
        principal=principal,
        case_no=case_no,
        department_code=department,
        step_no=body.step,
        action=body.action,
        opinion=body.opinion,
        handlers=handlers,
    )
    return detail_of(work)


@router.post("/cases/{case_no}/decision", response_model=DecisionOut, responses=_ERRORS)
def decide(
    case_no: str,
    body: DecisionIn,
    principal: DepartmentStaff,
    session: DbSession,
    department: DepartmentCode,
    handlers: Handlers,
) -> DecisionOut:
    """Approve or deny a case at the last step of its chain, with an opinion."""
    work = service.decide(
        session,
        principal=principal,
        case_no=case_no,
        department_code=department,
        approve=body.decision == "approve",
        opinion=body.opinion,
        handlers=handlers,
    )
    return DecisionOut(case_no=work.case_no, status=work.status, current_step=work.current_step)
