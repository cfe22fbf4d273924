"""Files a department attaches to a case, as its applicant reaches them: the case names its department
(`/departments/{department}/cases/...`). The staff's own (`/work-items/{case_no}/attachments`) go through
the routing table. The bytes pass through; there is no public URL."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.auth import CurrentPrincipal
from portal_gateway.routes.bs_access import to_named_department
from portal_gateway.routing import seg

router = APIRouter(prefix="/api/v1", tags=["business-systems"])


@router.get("/departments/{department}/cases/{case_no}/attachments")
async def case_list(department: str, case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """The files a department attached to my case (the case names its department)."""
    return await to_named_department(request, department, f"/api/v1/cases/{seg(case_no)}/attachments")


@router.get("/departments/{department}/cases/{case_no}/attachments/{file_id}")
async def case_download(
    department: str, case_no: str, file_id: str, request: Request, principal: CurrentPrincipal
) -> Response:
    """Download a file a department attached to my case."""
    return await to_named_department(request, department, f"/api/v1/cases/{seg(case_no)}/attachments/{seg(file_id)}")
