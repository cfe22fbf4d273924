"""data-sharing: the four base registries (governed reads, CSV imports)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gov_common.limits import UPLOAD, body_limit
from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1/registries", tags=["base registries"])
DS = "data-sharing"
BASE = "/api/v1/registries"


async def _ds(request: Request, path: str) -> Response:
    return await forward(request, DS, data_sharing(request), BASE + path)


@router.post("/{resource}/imports", status_code=201)
@body_limit(UPLOAD)
async def import_csv(resource: str, request: Request) -> Response:
    """Import a registry from a UTF-8 CSV body (`?mode=partial|all_or_nothing`); answers the report."""
    return await _ds(request, f"/{seg(resource)}/imports")


@router.get("/imports/{import_id}")
async def get_import(import_id: str, request: Request) -> Response:
    """The report of one import."""
    return await _ds(request, f"/imports/{seg(import_id)}")


@router.get("/population/{id_number}")
async def read_person(id_number: str, request: Request) -> Response:
    """A person (`?fields=&purpose=`): only the fields the caller's grant or entitlement covers."""
    return await _ds(request, f"/population/{seg(id_number)}")


@router.get("/legal-entities/{uscc}")
async def read_legal_entity(uscc: str, request: Request) -> Response:
    """A legal entity (`?fields=&purpose=`): only the fields the caller may receive."""
    return await _ds(request, f"/legal-entities/{seg(uscc)}")


@router.get("/divisions")
async def list_divisions(request: Request) -> Response:
    """Administrative divisions (`?parent=&level=`)."""
    return await _ds(request, "/divisions")


@router.get("/divisions/{code}")
async def read_division(code: str, request: Request) -> Response:
    """One division with its ancestors."""
    return await _ds(request, f"/divisions/{seg(code)}")


@router.get("/service-halls")
async def list_service_halls(request: Request) -> Response:
    """Service halls with coordinates (`?division=`)."""
    return await _ds(request, "/service-halls")


@router.get("/economic-indicators")
async def list_indicators(request: Request) -> Response:
    """Macro-economic indicators (`?indicator=&division=&period_from=&period_to=`)."""
    return await _ds(request, "/economic-indicators")
