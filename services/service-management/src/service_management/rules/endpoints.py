from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gov_common.pagination import Page
from gov_common.params import RowId
from gov_common.service import DbSession
from service_management.deps import Manager, Staff
from service_management.rules import service, variables
from service_management.rules.schemas import EvaluationIn, EvaluationOut, TableIn, TableOut, VariableOut

router = APIRouter(prefix="/api/v1", tags=["rules"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not entitled to the item"},
    404: {"description": "No such item or table version"},
    422: {"description": "The table is refused (why is said), or a field is invalid"},
}


@router.get("/items/{code}/rules", response_model=list[TableOut], responses=_ERRORS)
def list_tables(code: str, session: DbSession, _staff: Staff, page: Page, response: Response) -> list[TableOut]:
    """The versions of the item's decision table, oldest first; X-Total-Count gives the number of all."""
    tables, total = service.list_tables(session, code, page=page)
    page.describe(response, total)
    return [TableOut.model_validate(t) for t in tables]


# Declared before /rules/{version}, which would otherwise take "variables" for a version number.
@router.get("/items/{code}/rules/variables", response_model=list[VariableOut], responses=_ERRORS)
def list_variables(
    code: str,
    session: DbSession,
    _staff: Staff,
    context: Annotated[variables.Context, Query(description="decision_table (facts) or process (case data)")] = (
        "decision_table"
    ),
) -> list[VariableOut]:
    """The variables a condition of the item's decision table (or of its case process) may test, with labels."""
    return [VariableOut.model_validate(v) for v in variables.variables(session, item_code=code, context=context)]


@router.get("/items/{code}/rules/{version}", response_model=TableOut, responses=_ERRORS)
def get_table(code: str, version: RowId, session: DbSession, _staff: Staff) -> TableOut:
    """One version of the item's decision table (to replay a stored decision)."""
    return TableOut.model_validate(service.get_table(session, code, version))


@router.post("/items/{code}/rules", status_code=201, response_model=TableOut, responses=_ERRORS)
def save_table(code: str, body: TableIn, principal: Manager, session: DbSession) -> TableOut:
    """Save a new version of the item's decision table; cases dispatched from now on use it."""
    return TableOut.model_validate(
        service.save_table(session, principal=principal, item_code=code, graph=body.graph, comment=body.comment)
    )


@router.post("/items/{code}/rules/evaluate", response_model=EvaluationOut, responses=_ERRORS)
def evaluate(code: str, body: EvaluationIn, session: DbSession, _staff: Staff) -> EvaluationOut:
    """Evaluate the table (current or a given version) on facts, with its trace: try a table out."""
    return EvaluationOut.model_validate(
        service.evaluate_for_test(session, item_code=code, facts=body.facts, version=body.version)
    )
