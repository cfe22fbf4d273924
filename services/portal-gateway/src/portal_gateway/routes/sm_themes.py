"""service-management: the life-event themes (主题) of the catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import forward, service_management

router = APIRouter(prefix="/api/v1", tags=["service-management"])
SM = "service-management"


@router.get("/themes")
async def list_themes(request: Request) -> Response:
    """Life-event themes with the number of published items and bundles in each (public)."""
    return await forward(request, SM, service_management(request), "/api/v1/themes")
