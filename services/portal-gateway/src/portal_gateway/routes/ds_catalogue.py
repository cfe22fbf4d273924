"""data-sharing: the data catalogue, access requests and grants."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1/catalogue", tags=["data catalogue"])
DS = "data-sharing"
BASE = "/api/v1/catalogue"


async def _ds(request: Request, path: str) -> Response:
    return await forward(request, DS, data_sharing(request), BASE + path)


@router.get("/resources")
async def list_resources(request: Request) -> Response:
    """Registered resources (`?owner=&sharing_type=`)."""
    return await _ds(request, "/resources")


@router.post("/resources", status_code=201)
async def register_resource(request: Request) -> Response:
    """Register a department's resource."""
    return await _ds(request, "/resources")


@router.get("/resources/{code}")
async def get_resource(code: str, request: Request) -> Response:
    """One resource."""
    return await _ds(request, f"/resources/{seg(code)}")


@router.patch("/resources/{code}")
async def update_resource(code: str, request: Request) -> Response:
    """Change a resource's sharing type, update frequency or description."""
    return await _ds(request, f"/resources/{seg(code)}")


@router.post("/access-requests", status_code=201)
async def request_access(request: Request) -> Response:
    """Request access: {resource, fields, purpose, valid_days}."""
    return await _ds(request, "/access-requests")


@router.get("/access-requests")
async def list_requests(request: Request) -> Response:
    """Access requests the caller may see (`?status=`)."""
    return await _ds(request, "/access-requests")


@router.get("/access-requests/{request_id}")
async def get_request(request_id: str, request: Request) -> Response:
    """One access request."""
    return await _ds(request, f"/access-requests/{seg(request_id)}")


@router.post("/access-requests/{request_id}/decision")
async def decide(request_id: str, request: Request) -> Response:
    """Approve or refuse: {decision, reason, fields?, valid_days?}."""
    return await _ds(request, f"/access-requests/{seg(request_id)}/decision")


@router.get("/grants")
async def list_grants(request: Request) -> Response:
    """Grants the caller may see (`?client_id=&resource=&active=`)."""
    return await _ds(request, "/grants")


@router.post("/grants/{grant_id}/revoke")
async def revoke_grant(grant_id: str, request: Request) -> Response:
    """End a grant now: {reason}."""
    return await _ds(request, f"/grants/{seg(grant_id)}/revoke")
