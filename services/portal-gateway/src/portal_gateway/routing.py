"""Routes the public API to the service that owns each resource, passing answers through as they are.

The caller's bearer token and the request id travel with the call; the services verify the
token themselves, so the gateway adds no trust of its own.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request, Response

from gov_common import pagination
from gov_common.auth import CurrentPrincipal, Roles
from gov_common.errors import Forbidden, ServiceUnavailable

log = logging.getLogger("portal_gateway.routing")
router = APIRouter(prefix="/api/v1", tags=["routed"])

_PASSED_HEADERS = ("authorization", "content-type", "accept", "accept-language")
_RETURNED_HEADERS = ("content-type", "www-authenticate", *(h.lower() for h in pagination.HEADERS))


async def forward(request: Request, service: str, base_url: str, path: str) -> Response:
    client: httpx.AsyncClient = request.app.state.http
    headers = {k: v for k, v in request.headers.items() if k.lower() in _PASSED_HEADERS}
    try:
        upstream = await client.request(
            request.method,
            base_url.rstrip("/") + path,
            params=list(request.query_params.multi_items()),
            content=await request.body(),
            headers=headers,
        )
    except httpx.HTTPError as exc:
        log.warning("%s unreachable: %s", service, exc)
        raise ServiceUnavailable(f"{service} is unavailable; try again shortly") from exc
    passed = {k: v for k, v in upstream.headers.items() if k.lower() in _RETURNED_HEADERS}
    return Response(content=upstream.content, status_code=upstream.status_code, headers=passed)


def _seg(value: str) -> str:
    return quote(value, safe="")


def _sm(request: Request) -> str:
    return str(request.app.state.runtime.settings.service_management_url)


def _ds(request: Request) -> str:
    return str(request.app.state.runtime.settings.data_sharing_url)


def _business(request: Request, department: str | None) -> str:
    urls: dict[str, str] = request.app.state.runtime.settings.business_systems_urls
    if not department or department not in urls:
        raise ServiceUnavailable(f"no business system is configured for department {department!r}")
    return urls[department]


# service-management: catalogue and cases
@router.get("/items")
async def list_items(request: Request) -> Response:
    """Published service items (paginated)."""
    return await forward(request, "service-management", _sm(request), "/api/v1/items")


@router.get("/items/{code}")
async def get_item(code: str, request: Request) -> Response:
    """One service item with its form fields."""
    return await forward(request, "service-management", _sm(request), f"/api/v1/items/{_seg(code)}")


@router.get("/departments")
async def list_departments(request: Request) -> Response:
    """Departments."""
    return await forward(request, "service-management", _sm(request), "/api/v1/departments")


@router.post("/cases", status_code=201)
async def file_case(request: Request) -> Response:
    """File a case: {"item_code", "form"}."""
    return await forward(request, "service-management", _sm(request), "/api/v1/cases")


@router.get("/cases")
async def list_cases(request: Request) -> Response:
    """The caller's cases."""
    return await forward(request, "service-management", _sm(request), "/api/v1/cases")


@router.get("/cases/{case_no}")
async def get_case(case_no: str, request: Request) -> Response:
    """One case with its timeline and licence number."""
    return await forward(request, "service-management", _sm(request), f"/api/v1/cases/{_seg(case_no)}")


# the reviewer's department business system
def _reviewer_department(principal: CurrentPrincipal) -> str:
    if not principal.has_role(Roles.REVIEWER) or not principal.department:
        raise Forbidden("only a department's reviewer may do this")
    return principal.department


@router.get("/worklist")
async def worklist(request: Request, principal: CurrentPrincipal) -> Response:
    """The reviewer's department's pending cases."""
    department = _reviewer_department(principal)
    return await forward(request, f"business system {department}", _business(request, department), "/api/v1/worklist")


@router.get("/work-items/{case_no}")
async def work_item(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """A case as the reviewer's department handles it."""
    department = _reviewer_department(principal)
    return await forward(
        request, f"business system {department}", _business(request, department), f"/api/v1/work-items/{_seg(case_no)}"
    )


@router.post("/cases/{case_no}/decision")
async def decide(case_no: str, request: Request, principal: CurrentPrincipal) -> Response:
    """Approve or deny: {"decision": "approve"|"deny", "opinion"}."""
    department = _reviewer_department(principal)
    return await forward(
        request,
        f"business system {department}",
        _business(request, department),
        f"/api/v1/cases/{_seg(case_no)}/decision",
    )


# data-sharing: electronic licences
@router.get("/licenses")
async def wallet(request: Request) -> Response:
    """The caller's licences."""
    return await forward(request, "data-sharing", _ds(request), "/api/v1/licenses")


@router.get("/licenses/{license_no}/verify")
async def verify_license(license_no: str, request: Request) -> Response:
    """Verify a licence (no login)."""
    return await forward(request, "data-sharing", _ds(request), f"/api/v1/licenses/{_seg(license_no)}/verify")


@router.get("/licenses/{license_no}")
async def get_license(license_no: str, request: Request) -> Response:
    """One licence, for its holder."""
    return await forward(request, "data-sharing", _ds(request), f"/api/v1/licenses/{_seg(license_no)}")


@router.get("/license-keys")
async def license_keys(request: Request) -> Response:
    """Public keys that verify licence signatures."""
    return await forward(request, "data-sharing", _ds(request), "/api/v1/license-keys")
