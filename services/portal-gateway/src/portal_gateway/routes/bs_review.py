"""A department's business system: work lists, review steps and decisions, loaded item handlers."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.auth import CurrentPrincipal
from portal_gateway.routes.bs_access import staff_department, to_department
from portal_gateway.routing import seg

router = APIRouter(prefix="/api/v1", tags=["business-systems"])


@router.get("/worklist")
async def worklist(request: Request, principal: CurrentPrincipal) -> Response:
    """My work: the cases waiting at a step whose role I hold (?step=handle|review|approve)."""
    return await to_department(request, staff_department(principal), "/api/v1/worklist")


@router.get("/worklist/done")
async def worklist_done(request: Request, principal: CurrentPrincipal) -> Response:
    """The cases I acted on, with my last action."""
    return await to_department(request, staff_department(principal), "/api/v1/worklist/done")


@router.get("/worklist/summary")
async def worklist_summary(request: Request, principal: CurrentPrincipal) -> Response:
    """Per review step: cases waiting and overdue."""
    return await to_department(request, staff_department(principal), "/api/v1/worklist/summary")


@router.get("/work-items/{case_no}")
async def work_item(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """A case as my department handles it: chain, actions, findings, clock."""
    return await to_department(request, staff_department(principal), f"/api/v1/work-items/{seg(case_no)}")


@router.post("/work-items/{case_no}/actions")
async def act(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Act on the current step: {"step", "action": "pass"|"send_back"|"approve"|"deny", "opinion"}."""
    return await to_department(request, staff_department(principal), f"/api/v1/work-items/{seg(case_no)}/actions")


@router.post("/cases/{case_no}/decision")
async def decide(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Approve or deny at the last step: {"decision": "approve"|"deny", "opinion"}."""
    return await to_department(request, staff_department(principal), f"/api/v1/cases/{seg(case_no)}/decision")


@router.get("/handlers")
async def handlers(request: Request, principal: CurrentPrincipal) -> Response:
    """The item handlers my department's business system loaded."""
    return await to_department(request, staff_department(principal), "/api/v1/handlers")
