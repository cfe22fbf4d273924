"""A department's review chains per item (承办 → 审核 → 批准), configured by its department admin."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.auth import CurrentPrincipal
from portal_gateway.routes.bs_access import staff_department, to_department
from portal_gateway.routing import seg

router = APIRouter(prefix="/api/v1/review-chains", tags=["business-systems"])


@router.get("")
async def list_chains(request: Request, principal: CurrentPrincipal) -> Response:
    """The review chains configured in my department."""
    return await to_department(request, staff_department(principal), "/api/v1/review-chains")


@router.get("/{item_code}")
async def get_chain(item_code: str, request: Request, principal: CurrentPrincipal) -> Response:
    """The review chain in force for an item in my department."""
    return await to_department(request, staff_department(principal), f"/api/v1/review-chains/{seg(item_code)}")


@router.put("/{item_code}")
async def set_chain(item_code: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Configure an item's chain: {"steps": [{"name": "handle"|"review"|"approve", "role"}, ...]}."""
    return await to_department(request, staff_department(principal), f"/api/v1/review-chains/{seg(item_code)}")


@router.delete("/{item_code}")
async def reset_chain(item_code: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Remove an item's chain: the default (one reviewer decides) applies again."""
    return await to_department(request, staff_department(principal), f"/api/v1/review-chains/{seg(item_code)}")
