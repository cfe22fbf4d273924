"""A department's review chains per item (承办 → 审核 → 批准), configured by its department admin
for the department's own items: whose an item is, service-management's catalogue says. Reading and
removing a chain go through the routing table to the caller's department."""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter, Request, Response

from gov_common.auth import CurrentPrincipal
from gov_common.errors import Forbidden, NotFound, ServiceUnavailable
from portal_gateway.routes.bs_access import staff_department, to_department
from portal_gateway.routing import seg, service_management

log = logging.getLogger("portal_gateway.routes.bs_chains")

router = APIRouter(prefix="/api/v1/review-chains", tags=["business-systems"])


@router.put(
    "/{item_code}",
    responses={
        403: {"description": "Not the department admin, or another department's item (item_of_another_department)"},
        404: {"description": "No service item of this code (item_not_found)"},
    },
)
async def set_chain(item_code: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Configure an item's chain: {"steps": [{"name": "handle"|"review"|"approve", "role"}, ...]},
    for an item the caller's department implements."""
    department = staff_department(principal)
    await _own_item(request, item_code, department)
    return await to_department(request, department, f"/api/v1/review-chains/{seg(item_code)}")


async def _own_item(request: Request, item_code: str, department: str) -> None:
    """Refuses an item of another department (403) or an unknown one (404), by the catalogue's
    versions of the item as the caller may see them (their own department's drafts included)."""
    client: httpx.AsyncClient = request.app.state.http
    try:
        answer = await client.get(
            f"{service_management(request).rstrip('/')}/api/v1/items/{seg(item_code)}/versions",
            params={"page_size": 100},
            headers={"Authorization": request.headers.get("Authorization", "")},
        )
    except httpx.HTTPError as exc:
        log.warning("service-management unreachable: %s", exc)
        raise ServiceUnavailable("事项管理服务暂时不可用，请稍后重试") from exc
    if answer.status_code == 404:
        raise NotFound(f"事项 {item_code} 不存在", field="item_code", code="item_not_found")
    if answer.status_code >= 500:
        raise ServiceUnavailable("事项管理服务暂时不可用，请稍后重试")
    if answer.status_code != 200:
        return  # the token itself is refused: the business system answers that
    owners = {str(version.get("department_code")) for version in answer.json()}
    if department not in owners:
        raise Forbidden(
            f"事项 {item_code} 由 {'、'.join(sorted(owners))} 部门实施，而非 {department}："
            "其审批流程在该部门的业务系统中配置",
            field="item_code",
            code="item_of_another_department",
        )
