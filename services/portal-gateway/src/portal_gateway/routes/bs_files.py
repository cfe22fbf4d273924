"""Files a department attaches to a case: uploaded by its staff, downloaded by them and by the
case's applicant. The bytes pass through; there is no public URL."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.auth import CurrentPrincipal
from gov_common.limits import UPLOAD, body_limit
from portal_gateway.routes.bs_access import staff_department, to_department, to_named_department
from portal_gateway.routing import seg

router = APIRouter(prefix="/api/v1", tags=["business-systems"])


@router.post("/work-items/{case_no}/attachments")
@body_limit(UPLOAD, field="file")
async def attach(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Attach a file (multipart `file`; PDF, JPEG or PNG by its bytes) to a case of my department."""
    department = staff_department(principal)
    return await to_department(request, department, f"/api/v1/work-items/{seg(case_no)}/attachments")


@router.get("/work-items/{case_no}/attachments")
async def staff_list(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """The files attached to a case of my department."""
    department = staff_department(principal)
    return await to_department(request, department, f"/api/v1/work-items/{seg(case_no)}/attachments")


@router.get("/work-items/{case_no}/attachments/{file_id}")
async def staff_download(case_no: str, file_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Download a file attached to a case of my department."""
    department = staff_department(principal)
    path = f"/api/v1/work-items/{seg(case_no)}/attachments/{seg(file_id)}"
    return await to_department(request, department, path)


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
