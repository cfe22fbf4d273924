"""Forwarding the public API to the service that owns each resource, passing answers through as they are.
The routes themselves live in `portal_gateway.routes`, one module per area.

The caller's bearer token and the request id travel with the call; the services verify the
token themselves, so the gateway adds no trust of its own. It only takes some away: an
integrator's token is refused here once its application is deactivated or its secret rotated
(the services cannot know), instead of working until it expires.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from gov_common import pagination
from gov_common.auth import Principal, Roles, TokenVerifier, bearer_token
from gov_common.errors import Forbidden, ServiceUnavailable, Unauthorized
from gov_common.service import ServiceRuntime
from portal_gateway.models import ClientApplication

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


def _client_revoked(runtime: ServiceRuntime, principal: Principal) -> bool:
    with runtime.db.session() as session:
        application = session.get(ClientApplication, principal.client_id)
        if application is None or not application.active:
            return True
        return (principal.token_generation or 0) != application.token_generation


async def check_client_token(request: Request) -> None:
    """Refuses (401) an integrator's token whose application was deactivated or whose secret was
    rotated after the token was issued. Other tokens, and tokens that do not verify, pass on to
    the service, which answers for them."""
    token = bearer_token(request)
    if token is None:
        return
    runtime: ServiceRuntime = request.app.state.runtime
    verifier: TokenVerifier = runtime.verifier
    try:
        principal = verifier.verify(token)
    except Unauthorized:
        return
    if principal.account_type != "client" or principal.is_service or not principal.client_id:
        return
    if await run_in_threadpool(_client_revoked, runtime, principal):
        raise Unauthorized(
            "this client application's token was revoked (application deactivated or secret rotated)",
            code="token_revoked",
        )


async def forward(request: Request, service: str, base_url: str, path: str) -> Response:
    await check_client_token(request)
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
