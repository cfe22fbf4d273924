"""data-sharing: the electronic-licence library (moved here from routes/data_sharing.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1", tags=["licenses"])
DS = "data-sharing"


async def _ds(request: Request, path: str) -> Response:
    return await forward(request, DS, data_sharing(request), path)


@router.get("/licenses")
async def wallet(request: Request) -> Response:
    """The caller's licences (wallet), `?status=&license_type=`."""
    return await _ds(request, "/api/v1/licenses")


@router.post("/licenses", status_code=201)
async def register_license(request: Request) -> Response:
    """Register a licence not issued from a case (staff: trust level B/C; a holder's own: D)."""
    return await _ds(request, "/api/v1/licenses")


@router.post("/licenses/check")
async def check_license(request: Request) -> Response:
    """Whether a licence can stand for a material: {license_no, holder_id_number, accepted_types, min_trust_level}."""
    return await _ds(request, "/api/v1/licenses/check")


@router.get("/licenses/{license_no}/verify")
async def verify_license(license_no: str, request: Request) -> Response:
    """Verify a licence (no login): signature, status and validity period."""
    return await _ds(request, f"/api/v1/licenses/{seg(license_no)}/verify")


@router.get("/licenses/{license_no}/qr.png")
async def license_qr_png(license_no: str, request: Request) -> Response:
    """The licence's QR code (PNG) encoding its verification URL."""
    return await _ds(request, f"/api/v1/licenses/{seg(license_no)}/qr.png")


@router.get("/licenses/{license_no}/qr.svg")
async def license_qr_svg(license_no: str, request: Request) -> Response:
    """The licence's QR code (SVG) encoding its verification URL."""
    return await _ds(request, f"/api/v1/licenses/{seg(license_no)}/qr.svg")


@router.get("/licenses/{license_no}")
async def get_license(license_no: str, request: Request) -> Response:
    """One licence, for its holder and the issuing department."""
    return await _ds(request, f"/api/v1/licenses/{seg(license_no)}")


@router.post("/licenses/{license_no}/revoke")
async def revoke_license(license_no: str, request: Request) -> Response:
    """Revoke (吊销) a licence: {reason}; the issuing department."""
    return await _ds(request, f"/api/v1/licenses/{seg(license_no)}/revoke")


@router.post("/licenses/{license_no}/cancel")
async def cancel_license(license_no: str, request: Request) -> Response:
    """Cancel (注销) a licence: {reason}; its holder or the issuing department."""
    return await _ds(request, f"/api/v1/licenses/{seg(license_no)}/cancel")


@router.get("/license-keys")
async def license_keys(request: Request) -> Response:
    """Public keys that verify licence signatures (JWKS)."""
    return await _ds(request, "/api/v1/license-keys")


@router.get("/license-types")
async def list_license_types(request: Request) -> Response:
    """Licence types and their fields."""
    return await _ds(request, "/api/v1/license-types")


@router.post("/license-types", status_code=201)
async def register_license_type(request: Request) -> Response:
    """Register a licence type (admin)."""
    return await _ds(request, "/api/v1/license-types")


@router.get("/license-types/{code}")
async def get_license_type(code: str, request: Request) -> Response:
    """One licence type."""
    return await _ds(request, f"/api/v1/license-types/{seg(code)}")
