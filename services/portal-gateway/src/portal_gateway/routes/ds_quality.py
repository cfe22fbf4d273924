"""data-sharing: data-quality rules and reports."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])
DS = "data-sharing"


@router.get("/rules/{resource}")
async def rules(resource: str, request: Request) -> Response:
    """A registry's validation rules."""
    return await forward(request, DS, data_sharing(request), f"/api/v1/quality/rules/{seg(resource)}")


@router.post("/reports", status_code=201)
async def create_report(request: Request) -> Response:
    """Measure a registry now: {resource}."""
    return await forward(request, DS, data_sharing(request), "/api/v1/quality/reports")


@router.get("/reports")
async def list_reports(request: Request) -> Response:
    """A registry's quality reports (`?resource=`)."""
    return await forward(request, DS, data_sharing(request), "/api/v1/quality/reports")


@router.get("/reports/{report_id}")
async def get_report(report_id: str, request: Request) -> Response:
    """One quality report."""
    return await forward(request, DS, data_sharing(request), f"/api/v1/quality/reports/{seg(report_id)}")
