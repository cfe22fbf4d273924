from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from gov_common.auth import CurrentPrincipal
from gov_common.pagination import Page
from gov_common.params import RowId
from gov_common.service import DbSession
from service_management.cases.schemas import CaseSummary
from service_management.evaluation import service
from service_management.evaluation.reasons import BAD_RATING_REASONS
from service_management.evaluation.schemas import (
    EvaluationIn,
    EvaluationOut,
    ReasonOut,
    RectificationDone,
    RectificationOut,
    Satisfaction,
)
from service_management.models import Evaluation, Rectification

router = APIRouter(prefix="/api/v1", tags=["evaluation"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not the applicant, or not the department"},
    404: {"description": "No such case or task"},
    409: {"description": "Not ended yet, or already rated / done"},
    422: {"description": "A field is invalid (it is named)"},
}


@router.post("/cases/{case_no}/evaluation", status_code=201, response_model=EvaluationOut, responses=_ERRORS)
def evaluate(case_no: str, body: EvaluationIn, principal: CurrentPrincipal, session: DbSession) -> EvaluationOut:
    """Rate an ended case once (好差评); a rating of 2 or below opens a rectification task."""
    evaluation, rectification = service.evaluate(
        session,
        principal=principal,
        case_no=case_no,
        rating=body.rating,
        tags=body.tags,
        reasons=list(body.reasons),
        comment=body.comment,
    )
    out = EvaluationOut.model_validate(evaluation)
    out.level = service.level(evaluation.rating)
    out.rectification_id = rectification.id if rectification else None
    return out


@router.get("/evaluations/awaiting", response_model=list[CaseSummary], responses=_ERRORS)
def list_awaiting(principal: CurrentPrincipal, session: DbSession, page: Page, response: Response) -> list[CaseSummary]:
    """The caller's ended cases not rated yet (待评价), newest first; X-Total-Count gives the number of all."""
    cases, total = service.list_awaiting(session, principal=principal, page=page)
    page.describe(response, total)
    return [CaseSummary.model_validate(c) for c in cases]


@router.get("/evaluation-reasons", response_model=list[ReasonOut])
def list_reasons() -> list[ReasonOut]:
    """The reasons an applicant picks from for a bad rating (差评), after the national 好差评 list."""
    return [ReasonOut(code=code, label=label) for code, label in BAD_RATING_REASONS.items()]


@router.get("/items/{code}/satisfaction", response_model=Satisfaction)
def satisfaction(code: str, session: DbSession) -> Satisfaction:
    """Public satisfaction with an item: number of ratings, average, share satisfied, distribution."""
    return Satisfaction.model_validate(service.satisfaction(session, item_code=code))


@router.get("/rectifications", response_model=list[RectificationOut], responses=_ERRORS)
def list_rectifications(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Page,
    response: Response,
    status: Annotated[Literal["open", "done"] | None, Query()] = None,
    department: Annotated[
        str | None,
        Query(max_length=32, description="one department's tasks (a department's staff: only their own)"),
    ] = None,
) -> list[RectificationOut]:
    """Rectification tasks of the caller's department (all, or one department's, for an administrator)."""
    rows, total = service.list_rectifications(
        session, principal=principal, page=page, status=status, department=department
    )
    page.describe(response, total)
    return [_task(task, evaluation) for task, evaluation in rows]


def _task(task: Rectification, evaluation: Evaluation) -> RectificationOut:
    """A task with the rating and comment of the evaluation that opened it."""
    out = RectificationOut.model_validate(task)
    out.rating, out.comment, out.reasons = evaluation.rating, evaluation.comment, evaluation.reasons or []
    return out


@router.post("/rectifications/{task_id}/complete", response_model=RectificationOut, responses=_ERRORS)
def complete(
    task_id: RowId, body: RectificationDone, principal: CurrentPrincipal, session: DbSession
) -> RectificationOut:
    """Close a rectification task with what was done."""
    task, evaluation = service.complete_rectification(
        session, principal=principal, rectification_id=task_id, response=body.response
    )
    return _task(task, evaluation)
