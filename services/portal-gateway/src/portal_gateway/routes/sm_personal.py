"""service-management: the logged-in applicant's personalised services (docs/personal-services.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import forward, seg, service_management

router = APIRouter(prefix="/api/v1/me", tags=["personal services"])
SM = "service-management"


@router.get("/recommendations")
async def recommendations(request: Request) -> Response:
    """为您推荐: life-event themes matched to my own registry facts, each with its reason."""
    return await forward(request, SM, service_management(request), "/api/v1/me/recommendations")


@router.get("/proactive-offers")
async def proactive_offers(request: Request) -> Response:
    """免申即享: benefits my registry facts already qualify me for."""
    return await forward(request, SM, service_management(request), "/api/v1/me/proactive-offers")


@router.post("/proactive-offers/{item_code}/confirm", status_code=201)
async def confirm_offer(item_code: str, request: Request) -> Response:
    """确认申领: file the offered benefit's case with my registry facts as its form."""
    path = f"/api/v1/me/proactive-offers/{seg(item_code)}/confirm"
    return await forward(request, SM, service_management(request), path)


@router.get("/personal-preferences")
async def preferences(request: Request) -> Response:
    """Which kinds of personalised service I receive."""
    return await forward(request, SM, service_management(request), "/api/v1/me/personal-preferences")


@router.patch("/personal-preferences")
async def set_preferences(request: Request) -> Response:
    """Turn kinds of personalised service on or off."""
    return await forward(request, SM, service_management(request), "/api/v1/me/personal-preferences")
