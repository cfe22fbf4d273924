"""service-management: the public progress look-up (办件进度查询, no login), which the gateway throttles.

A case number and the last six characters of the applicant's ID number are the key, so guessing must
stay hopeless: look-ups are limited per address (`GW_RATE_PROGRESS_LOOKUP`), and the look-ups that found
nothing count as misses per address (`GW_RATE_PROGRESS_MISSES`) and per case number
(`GW_RATE_PROGRESS_CASE_MISSES`). Beyond either, every look-up from that address, or of that number, is
refused (429 with Retry-After) for a while, a right pair too (portal_gateway.ratelimit)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from portal_gateway.ratelimit import client_address, limiter, rate_of
from portal_gateway.routing import SERVICE_MANAGEMENT, forward, service_management

router = APIRouter(prefix="/api/v1", tags=["cases"])
PATH = "/api/v1/case-progress"
LOOKUP_BUCKET = "progress_lookup"
MISS_BUCKET = "progress_miss"
CASE_MISS_BUCKET = "progress_case_miss"


def _case_no(body: bytes) -> str | None:
    """The case number asked for, if the body says one (the service judges the rest)."""
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return None
    value = parsed.get("case_no") if isinstance(parsed, dict) else None
    return value[:64] if isinstance(value, str) and value else None


@router.post(
    "/case-progress",
    responses={429: {"description": "Too many look-ups, or look-ups that found nothing (code rate_limited)"}},
)
async def look_up_progress(request: Request) -> Response:
    """Public progress look-up (no login): case number and the last six characters of the ID number."""
    rates, address = limiter(request), client_address(request)
    case_no = _case_no(await request.body())
    misses = rate_of(request, "rate_progress_misses")
    await run_in_threadpool(rates.check, MISS_BUCKET, address, limit=misses.limit, window_seconds=misses.window_seconds)
    if case_no is not None:
        per_case = rate_of(request, "rate_progress_case_misses")
        await run_in_threadpool(
            rates.check, CASE_MISS_BUCKET, case_no, limit=per_case.limit, window_seconds=per_case.window_seconds
        )
    rate = rate_of(request, "rate_progress_lookup")
    await run_in_threadpool(rates.hit, LOOKUP_BUCKET, address, limit=rate.limit, window_seconds=rate.window_seconds)
    response = await forward(request, SERVICE_MANAGEMENT, service_management(request), PATH)
    if response.status_code == 404:
        await run_in_threadpool(rates.count_miss, MISS_BUCKET, address)
        if case_no is not None:
            await run_in_threadpool(rates.count_miss, CASE_MISS_BUCKET, case_no)
    return response
