"""service-management: the five lists (五张清单)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.limits import LARGE_JSON_BODY_BYTES, UPLOAD, body_limit
from portal_gateway.routing import forward, seg, service_management

router = APIRouter(prefix="/api/v1", tags=["service-management"])
SM = "service-management"


# Before /lists/{list_type}, which would otherwise take "import-template.xlsx" for a list type.
@router.get("/lists/import-template.xlsx")
async def list_import_template(request: Request) -> Response:
    """The .xlsx template of a list import (administrators, department admins)."""
    return await forward(request, SM, service_management(request), "/api/v1/lists/import-template.xlsx")


@router.get("/lists/diff")
async def diff_lists(request: Request) -> Response:
    """What changed between two versions of a list (`?from=&to=`)."""
    return await forward(request, SM, service_management(request), "/api/v1/lists/diff")


@router.get("/lists/versions/{version_id}")
async def get_list_version(version_id: str, request: Request) -> Response:
    """One version of a list."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/versions/{seg(version_id)}")


@router.delete("/lists/versions/{version_id}")
async def delete_list_draft(version_id: str, request: Request) -> Response:
    """Delete a draft list version (its department, administrators)."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/versions/{seg(version_id)}")


@router.post("/lists/versions/{version_id}/submit")
async def submit_list_version(version_id: str, request: Request) -> Response:
    """Submit a draft list for review."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/versions/{seg(version_id)}/submit")


@router.post("/lists/versions/{version_id}/publish")
async def publish_list_version(version_id: str, request: Request) -> Response:
    """Publish a list version, dated (administrators)."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/versions/{seg(version_id)}/publish")


@router.get("/lists/{list_type}")
async def current_lists(list_type: str, request: Request) -> Response:
    """The published lists in force."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/{seg(list_type)}")


@router.get("/lists/{list_type}/versions")
async def list_versions(list_type: str, request: Request) -> Response:
    """Published versions of a list."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/{seg(list_type)}/versions")


@router.post("/lists/{list_type}/drafts", status_code=201)
@body_limit(LARGE_JSON_BODY_BYTES)
async def create_list_draft(list_type: str, request: Request) -> Response:
    """Compile the next version of a department's list."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/{seg(list_type)}/drafts")


@router.post("/lists/{list_type}/import")
@body_limit(UPLOAD, field="file")
async def import_list(list_type: str, request: Request) -> Response:
    """Import a draft list from .xlsx or CSV (multipart `file`)."""
    return await forward(request, SM, service_management(request), f"/api/v1/lists/{seg(list_type)}/import")
