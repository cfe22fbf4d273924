"""data-sharing: the leaders' cockpit (领导驾驶舱) over the warehouse (docs/warehouse.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1/cockpit", tags=["cockpit"])
DS = "data-sharing"


@router.get("/{view}")
async def cockpit_view(view: str, request: Request) -> Response:
    """One cockpit view (filters as query parameters; `format=csv|xlsx` exports it)."""
    return await forward(request, DS, data_sharing(request), f"/api/v1/cockpit/{seg(view)}")
