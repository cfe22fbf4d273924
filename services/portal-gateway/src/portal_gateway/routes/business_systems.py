"""A department's business system: the reviewer's work list and decisions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.auth import CurrentPrincipal
from portal_gateway.routing import business_system, forward, reviewer_department, seg

router = APIRouter(prefix="/api/v1", tags=["business-systems"])


@router.get("/worklist")
async def worklist(request: Request, principal: CurrentPrincipal) -> Response:
    """The reviewer's department's pending cases."""
    department = reviewer_department(principal)
    return await forward(
        request, f"business system {department}", business_system(request, department), "/api/v1/worklist"
    )


@router.get("/work-items/{case_no}")
async def work_item(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """A case as the reviewer's department handles it."""
    department = reviewer_department(principal)
    return await forward(
        request,
        f"business system {department}",
        business_system(request, department),
        f"/api/v1/work-items/{seg(case_no)}",
    )


@router.post("/cases/{case_no}/decision")
async def decide(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Approve or deny: {"decision": "approve"|"deny", "opinion"}."""
    department = reviewer_department(principal)
    return await forward(
        request,
        f"business system {department}",
        business_system(request, department),
        f"/api/v1/cases/{seg(case_no)}/decision",
    )
