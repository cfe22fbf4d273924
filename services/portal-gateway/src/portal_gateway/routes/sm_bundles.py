"""service-management: bundles (一件事一次办)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import forward, seg, service_management

router = APIRouter(prefix="/api/v1", tags=["service-management"])
SM = "service-management"


@router.get("/bundles")
async def list_bundles(request: Request) -> Response:
    """Item groups applied for in one application."""
    return await forward(request, SM, service_management(request), "/api/v1/bundles")


@router.get("/bundles/{code}")
async def get_bundle(code: str, request: Request) -> Response:
    """A bundle with its shared materials."""
    return await forward(request, SM, service_management(request), f"/api/v1/bundles/{seg(code)}")


@router.post("/bundles/{code}/applications", status_code=201)
async def apply_for_bundle(code: str, request: Request) -> Response:
    """Apply for every item of a bundle at once."""
    return await forward(request, SM, service_management(request), f"/api/v1/bundles/{seg(code)}/applications")


@router.get("/bundle-applications/{bundle_no}")
async def get_bundle_application(bundle_no: str, request: Request) -> Response:
    """A bundle application and its branches."""
    return await forward(request, SM, service_management(request), f"/api/v1/bundle-applications/{seg(bundle_no)}")


@router.get("/bundle-applications")
async def list_bundle_applications(request: Request) -> Response:
    """The caller's own bundle applications, newest first (paginated)."""
    return await forward(request, SM, service_management(request), "/api/v1/bundle-applications")
