"""A department's decision on a case: `/cases/{case_no}/decision` goes to the caller's department while the
rest of `/cases` is service-management's. Work lists, work items and handlers go through the routing table."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.auth import CurrentPrincipal
from portal_gateway.routes.bs_access import staff_department, to_department
from portal_gateway.routing import seg

router = APIRouter(prefix="/api/v1", tags=["business-systems"])


@router.post("/cases/{case_no}/decision")
async def decide(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Approve or deny at the last step: {"decision": "approve"|"deny", "opinion"}."""
    return await to_department(request, staff_department(principal), f"/api/v1/cases/{seg(case_no)}/decision")
