"""service-management: the catalogue's editing, versions, import, processes, decision tables and satisfaction."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.limits import UPLOAD, body_limit
from portal_gateway.routing import forward, seg, service_management

router = APIRouter(prefix="/api/v1", tags=["service-management"])
SM = "service-management"


@router.post("/items", status_code=201)
async def create_item(request: Request) -> Response:
    """Create a service item as a draft (administrators, department admins)."""
    return await forward(request, SM, service_management(request), "/api/v1/items")


@router.post("/items/import")
@body_limit(UPLOAD, field="file")
async def import_items(request: Request) -> Response:
    """Import items from CSV or .xlsx (multipart `file`; `?dry_run=`)."""
    return await forward(request, SM, service_management(request), "/api/v1/items/import")


@router.get("/items/{code}/versions")
async def list_item_versions(code: str, request: Request) -> Response:
    """Every version of an item (staff)."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/versions")


@router.get("/items/{code}/versions/{version}")
async def get_item_version(code: str, version: str, request: Request) -> Response:
    """One version of an item."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/versions/{seg(version)}")


@router.put("/items/{code}/draft")
async def save_item_draft(code: str, request: Request) -> Response:
    """Edit the draft, or start the next version of a published item."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/draft")


@router.post("/items/{code}/publish")
async def publish_item(code: str, request: Request) -> Response:
    """Publish the item's draft."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/publish")


@router.post("/items/{code}/retire")
async def retire_item(code: str, request: Request) -> Response:
    """Retire the published item."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/retire")


@router.get("/items/{code}/satisfaction")
async def item_satisfaction(code: str, request: Request) -> Response:
    """Public satisfaction with an item (好差评)."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/satisfaction")


@router.get("/items/{code}/process")
async def get_item_process(code: str, request: Request) -> Response:
    """The BPMN 2.0 process new cases of the item follow."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/process")


@router.put("/items/{code}/process", status_code=201)
async def upload_item_process(code: str, request: Request) -> Response:
    """Upload a new version of the item's BPMN process."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/process")


@router.get("/items/{code}/rules")
async def list_item_rules(code: str, request: Request) -> Response:
    """Versions of the item's decision table (staff)."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/rules")


@router.post("/items/{code}/rules", status_code=201)
async def save_item_rules(code: str, request: Request) -> Response:
    """Save a new version of the item's decision table."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/rules")


@router.post("/items/{code}/rules/evaluate")
async def evaluate_item_rules(code: str, request: Request) -> Response:
    """Evaluate the decision table on facts, with its trace."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/rules/evaluate")


@router.get("/items/{code}/rules/{version}")
async def get_item_rules(code: str, version: str, request: Request) -> Response:
    """One version of the item's decision table."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}/rules/{seg(version)}")
