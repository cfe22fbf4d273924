"""Forwarding the public API to the service that owns each resource, passing answers through as they are.
The routes themselves live in `portal_gateway.routes`, one module per area.

The caller's bearer token and the request id travel with the call; the services verify the
token themselves, so the gateway adds no trust of its own. It only takes some away: a token
that is no longer current is refused before any route runs (`portal_gateway.revocation`).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from fastapi import Request, Response
from starlette.requests import ClientDisconnect

from gov_common import pagination
from gov_common.auth import Principal, Roles
from gov_common.errors import Forbidden, ServiceUnavailable

log = logging.getLogger("portal_gateway.routing")

_PASSED_HEADERS = ("authorization", "content-type", "accept", "accept-language")
_RETURNED_HEADERS = (
    "content-type",
    "content-disposition",
    "cache-control",
    "etag",
    "www-authenticate",
    *(h.lower() for h in pagination.HEADERS),
)


async def forward(request: Request, service: str, base_url: str, path: str) -> Response:
    client: httpx.AsyncClient = request.app.state.http
    headers = {k: v for k, v in request.headers.items() if k.lower() in _PASSED_HEADERS}
    try:
        body = await request.body()
    except ClientDisconnect:
        # The caller left (a page closed mid-request): nobody to answer, nothing to forward.
        return Response(status_code=499)
    try:
        upstream = await client.request(
            request.method,
            base_url.rstrip("/") + path,
            params=list(request.query_params.multi_items()),
            content=body,
            headers=headers,
        )
    except httpx.HTTPError as exc:
        log.warning("%s unreachable: %s", service, exc)
        raise ServiceUnavailable(f"{service} is unavailable; try again shortly") from exc
    passed = {k: v for k, v in upstream.headers.items() if k.lower() in _RETURNED_HEADERS}
    return Response(content=upstream.content, status_code=upstream.status_code, headers=passed)


def seg(value: str) -> str:
    return quote(value, safe="")


def service_management(request: Request) -> str:
    return str(request.app.state.runtime.settings.service_management_url)


def data_sharing(request: Request) -> str:
    return str(request.app.state.runtime.settings.data_sharing_url)


def business_system(request: Request, department: str | None) -> str:
    urls: dict[str, str] = request.app.state.runtime.settings.business_systems_urls
    if not department or department not in urls:
        raise ServiceUnavailable(f"no business system is configured for department {department!r}")
    return urls[department]


def reviewer_department(principal: Principal) -> str:
    if not principal.has_role(Roles.REVIEWER, Roles.DEPARTMENT_ADMIN) or not principal.department:
        raise Forbidden("only a department's staff may do this")
    return principal.department
