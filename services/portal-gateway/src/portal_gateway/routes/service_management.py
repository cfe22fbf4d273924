"""service-management: the catalogue of service items and cases."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import forward, seg, service_management

router = APIRouter(prefix="/api/v1", tags=["service-management"])
SM = "service-management"


@router.get("/items")
async def list_items(request: Request) -> Response:
    """Published service items (paginated)."""
    return await forward(request, SM, service_management(request), "/api/v1/items")


# Before /items/{code}, which would take it for an item code (route modules load alphabetically,
# so it lives here rather than in sm_catalogue).
@router.get("/items/import-template.xlsx")
async def item_import_template(request: Request) -> Response:
    """The .xlsx template of the item import (administrators, department admins)."""
    return await forward(request, SM, service_management(request), "/api/v1/items/import-template.xlsx")


@router.get("/items/{code}")
async def get_item(code: str, request: Request) -> Response:
    """One service item with its form fields."""
    return await forward(request, SM, service_management(request), f"/api/v1/items/{seg(code)}")


@router.get("/departments")
async def list_departments(request: Request) -> Response:
    """Departments."""
    return await forward(request, SM, service_management(request), "/api/v1/departments")


@router.post("/cases", status_code=201)
async def file_case(request: Request) -> Response:
    """File a case: {"item_code", "form"}."""
    return await forward(request, SM, service_management(request), "/api/v1/cases")


@router.get("/cases")
async def list_cases(request: Request) -> Response:
    """The caller's cases."""
    return await forward(request, SM, service_management(request), "/api/v1/cases")


@router.get("/cases/{case_no}")
async def get_case(case_no: str, request: Request) -> Response:
    """One case with its timeline and licence number."""
    return await forward(request, SM, service_management(request), f"/api/v1/cases/{seg(case_no)}")
