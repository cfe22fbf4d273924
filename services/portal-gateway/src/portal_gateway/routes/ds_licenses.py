"""data-sharing: the public lookups of a licence, which the gateway throttles (the rest of `/licenses` goes
through the routing table).

The public verification of a licence (its page and QR codes, no login) is throttled per address
(`GW_RATE_LICENSE_VERIFY`), and numbers data-sharing does not know count as misses: beyond
`GW_RATE_LICENSE_MISSES` every lookup from the address is refused for a while, a real number too,
so that made-up numbers cannot enumerate the licences (portal_gateway.ratelimit)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from portal_gateway.ratelimit import client_address, limiter, rate_of
from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1", tags=["licenses"])
DS = "data-sharing"
VERIFY_BUCKET = "license_verify"
MISS_BUCKET = "license_miss"
_THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many lookups, or unknown numbers, from this address (code rate_limited)"}
}


async def _ds(request: Request, path: str) -> Response:
    return await forward(request, DS, data_sharing(request), path)


async def _public_lookup(request: Request, path: str) -> Response:
    rates, misses = limiter(request), rate_of(request, "rate_license_misses")
    address = client_address(request)
    await run_in_threadpool(rates.check, MISS_BUCKET, address, limit=misses.limit, window_seconds=misses.window_seconds)
    rate = rate_of(request, "rate_license_verify")
    await run_in_threadpool(rates.hit, VERIFY_BUCKET, address, limit=rate.limit, window_seconds=rate.window_seconds)
    response = await _ds(request, path)
    if response.status_code == 404:
        await run_in_threadpool(rates.count_miss, MISS_BUCKET, address)
    return response


@router.get("/licenses/{license_no}/verify", responses={**_THROTTLED, 303: {"description": "A browser: the page"}})
async def verify_license(license_no: str, request: Request) -> Response:
    """Verify a licence (no login): signature, status and validity period. A browser (asking for HTML, not
    JSON) is sent to the verification page instead: codes printed before the QR carried the page's address
    encode this one."""
    if _wants_page(request):
        return RedirectResponse(f"/verify/{seg(license_no)}", status_code=303)
    return await _public_lookup(request, f"/api/v1/licenses/{seg(license_no)}/verify")


def _wants_page(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@router.get("/licenses/{license_no}/qr.png", responses=_THROTTLED)
async def license_qr_png(license_no: str, request: Request) -> Response:
    """The licence's QR code (PNG) encoding its verification URL."""
    return await _public_lookup(request, f"/api/v1/licenses/{seg(license_no)}/qr.png")


@router.get("/licenses/{license_no}/qr.svg", responses=_THROTTLED)
async def license_qr_svg(license_no: str, request: Request) -> Response:
    """The licence's QR code (SVG) encoding its verification URL."""
    return await _public_lookup(request, f"/api/v1/licenses/{seg(license_no)}/qr.svg")
