"""service-management: one-window intake, materials, supplements, process steps and evaluations of cases."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.limits import UPLOAD, body_limit
from portal_gateway.routing import forward, seg, service_management

router = APIRouter(prefix="/api/v1", tags=["service-management"])
SM = "service-management"


@router.post("/files", status_code=201)
@body_limit(UPLOAD, field="file")
async def upload_file(request: Request) -> Response:
    """Upload a material file (multipart `file`: PDF, JPEG or PNG)."""
    return await forward(request, SM, service_management(request), "/api/v1/files")


@router.post("/intake/cases", status_code=201)
async def file_at_window(request: Request) -> Response:
    """A window clerk files a case for a walk-in applicant."""
    return await forward(request, SM, service_management(request), "/api/v1/intake/cases")


@router.get("/intake/queue")
async def intake_queue(request: Request) -> Response:
    """Cases waiting for intake."""
    return await forward(request, SM, service_management(request), "/api/v1/intake/queue")


@router.post("/intake/cases/{case_no}/accept")
async def accept_case(case_no: str, request: Request) -> Response:
    """Accept a complete case (受理)."""
    return await forward(request, SM, service_management(request), f"/api/v1/intake/cases/{seg(case_no)}/accept")


@router.post("/intake/cases/{case_no}/supplement")
async def request_supplement(case_no: str, request: Request) -> Response:
    """Ask for missing materials (补正); the clock pauses."""
    return await forward(request, SM, service_management(request), f"/api/v1/intake/cases/{seg(case_no)}/supplement")


@router.post("/intake/cases/{case_no}/reject")
async def reject_case(case_no: str, request: Request) -> Response:
    """Reject an application (不予受理) with a reason."""
    return await forward(request, SM, service_management(request), f"/api/v1/intake/cases/{seg(case_no)}/reject")


@router.post("/cases/{case_no}/supplement")
async def supplement_case(case_no: str, request: Request) -> Response:
    """Supply the materials asked for; the clock resumes."""
    return await forward(request, SM, service_management(request), f"/api/v1/cases/{seg(case_no)}/supplement")


@router.get("/cases/{case_no}/materials/{file_id}")
async def get_case_material(case_no: str, file_id: str, request: Request) -> Response:
    """A material file of a case."""
    return await forward(
        request, SM, service_management(request), f"/api/v1/cases/{seg(case_no)}/materials/{seg(file_id)}"
    )


@router.post("/cases/{case_no}/tasks/{task_id}")
async def complete_case_task(case_no: str, task_id: str, request: Request) -> Response:
    """Complete a department step of the case's process."""
    return await forward(request, SM, service_management(request), f"/api/v1/cases/{seg(case_no)}/tasks/{seg(task_id)}")


@router.post("/cases/{case_no}/evaluation", status_code=201)
async def evaluate_case(case_no: str, request: Request) -> Response:
    """Rate an ended case once (好差评)."""
    return await forward(request, SM, service_management(request), f"/api/v1/cases/{seg(case_no)}/evaluation")
