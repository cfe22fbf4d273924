"""data-sharing: electronic licences."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1", tags=["data-sharing"])
DS = "data-sharing"


@router.get("/licenses")
async def wallet(request: Request) -> Response:
    """The caller's licences."""
    return await forward(request, DS, data_sharing(request), "/api/v1/licenses")


@router.get("/licenses/{license_no}/verify")
async def verify_license(license_no: str, request: Request) -> Response:
    """Verify a licence (no login)."""
    return await forward(request, DS, data_sharing(request), f"/api/v1/licenses/{seg(license_no)}/verify")


@router.get("/licenses/{license_no}")
async def get_license(license_no: str, request: Request) -> Response:
    """One licence, for its holder."""
    return await forward(request, DS, data_sharing(request), f"/api/v1/licenses/{seg(license_no)}")


@router.get("/license-keys")
async def license_keys(request: Request) -> Response:
    """Public keys that verify licence signatures."""
    return await forward(request, DS, data_sharing(request), "/api/v1/license-keys")
