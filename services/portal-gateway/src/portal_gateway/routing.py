"""Forwarding the public API to the service that owns each resource, passing answers through as they are.
The routes themselves live in `portal_gateway.routes`, one module per area.

The caller's bearer token and the request id travel with the call; the services verify the
token themselves, so the gateway adds no trust of its own. It only takes some away: a token
that is no longer current is refused before any route runs (`portal_gateway.revocation`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import quote

import httpx
from fastapi import Request, Response
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from gov_common import pagination
from gov_common.auth import Principal, Roles
from gov_common.errors import DomainError, Forbidden, ServiceUnavailable, problem
from gov_common.http import IDEMPOTENT_METHODS
from gov_common.load_shedding import ConcurrencyLimit, overloaded

log = logging.getLogger("portal_gateway.routing")

# Idempotency-Key: a filing resent with the same key answers as the first did (docs/operations.md).
IDEMPOTENCY_KEY = b"idempotency-key"
_PASSED_HEADERS = (b"authorization", b"content-type", b"accept", b"accept-language", IDEMPOTENCY_KEY)
# The paths whose service honours the key (service-management's filings): only these are resent.
_HONOURS_IDEMPOTENCY_KEY = re.compile(r"/api/v1/(cases|intake/cases|bundles/[^/]+/applications)")
# The longest path and query string the gateway takes (as common servers and proxies do, e.g. nginx's
# 8 KiB buffers); a longer one is refused with 414 before any route runs. Forwarded, the URL stays far
# below what the HTTP client builds at all (64 KiB).
MAX_URL_BYTES = 8192
_RETURNED_HEADERS = (
    "content-type",
    "content-disposition",
    "cache-control",
    "etag",
    "www-authenticate",
    "retry-after",  # a service's own 503 (busy, overloaded, a dependency down) says when to come back
    *(h.lower() for h in pagination.HEADERS),
)


class UrlTooLong(DomainError):
    status, title, code = 414, "URI Too Long", "url_too_long"


# Failures after which the service cannot have acted on the request: no connection was made, or the
# request was not sent whole (a server acts on a request once it has read all of it).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout)
_OUTCOME_UNKNOWN = "服务未能答复，无法确认本次操作是否已生效：请先查看结果（如“我的办件”），确认未生效后再重新提交"


class UpstreamTimeout(DomainError):
    """A request that changes something was sent whole and no answer came in time."""

    status, title, code = 504, "Gateway Timeout", "outcome_unknown"


class UpstreamLost(DomainError):
    """A request that changes something was sent whole and the connection ended without an answer."""

    status, title, code = 502, "Bad Gateway", "outcome_unknown"


class UrlLimit:
    """Refuses a request whose path and query string are longer than MAX_URL_BYTES with 414."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_URL_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string") or b"")
            if length > self.max_bytes:
                response = problem(
                    414,
                    f"The URL's path and query are {length} bytes long; at most {self.max_bytes} are taken.",
                    title=UrlTooLong.title,
                    code=UrlTooLong.code,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class UpstreamLimits:
    """One `ConcurrencyLimit` per upstream service (per event loop): at most `upstream_max_in_flight`
    forwarded requests at once to each; one more waits `upstream_queue_seconds` for a place, then is
    answered 503 with Retry-After. A slow or saturated service then costs its callers a quick refusal
    rather than a queue as long as the gateway's timeout, and the other services stay reachable."""

    def __init__(self, limit: int, wait_seconds: float, *, retry_after: int) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._limits: dict[tuple[int, str], ConcurrencyLimit] = {}

    def of(self, service: str) -> ConcurrencyLimit:
        key = (id(asyncio.get_running_loop()), service)
        found = self._limits.get(key)
        if found is None:
            found = self._limits[key] = ConcurrencyLimit(self.limit, self.wait_seconds, retry_after=self.retry_after)
        return found


async def forward(request: Request, service: str, base_url: str, path: str) -> Response:
    # As received (bytes): a header value need not be ASCII, and is the owning service's to judge.
    headers = [(k, v) for k, v in request.headers.raw if k.lower() in _PASSED_HEADERS]
    try:
        body = await request.body()
    except ClientDisconnect:
        # The caller left (a page closed mid-request): nobody to answer, nothing to forward.
        return Response(status_code=499)
    # A change carrying an Idempotency-Key may be sent once more when the connection ended without an
    # answer (the service died mid-request): the service answers a resend as it did the first time.
    keyed = (
        request.method == "POST"
        and _HONOURS_IDEMPOTENCY_KEY.fullmatch(path) is not None
        and any(k.lower() == IDEMPOTENCY_KEY for k, _ in headers)
    )
    try:
        upstream = await _send(request, service, base_url.rstrip("/") + path, body, headers)
    except UpstreamLost:
        if not keyed:
            raise
        log.warning("%s %s to %s: no answer; sent once more with its Idempotency-Key", request.method, path, service)
        upstream = await _send(request, service, base_url.rstrip("/") + path, body, headers)
    passed = {k: v for k, v in upstream.headers.items() if k.lower() in _RETURNED_HEADERS}
    return Response(content=upstream.content, status_code=upstream.status_code, headers=passed)


async def _send(
    request: Request, service: str, url: str, body: bytes, headers: list[tuple[bytes, bytes]]
) -> httpx.Response:
    client: httpx.AsyncClient = request.app.state.http
    limits: UpstreamLimits = request.app.state.upstream_limits
    try:
        async with limits.of(service).place():
            return await client.request(
                request.method,
                url,
                params=list(request.query_params.multi_items()),
                content=body,
                headers=headers,
            )
    except httpx.PoolTimeout:
        # Every connection of the gateway's pool is busy: overload, and the request was not sent.
        log.warning("no connection free to %s; refused", service)
        raise overloaded(limits.retry_after) from None
    except httpx.InvalidURL as exc:  # what the caller sent cannot be forwarded: theirs to change
        log.info("not forwarded to %s: %s", service, exc)
        if "too long" in str(exc):
            raise UrlTooLong(f"the URL is too long to forward: {exc}") from None
        raise DomainError(f"the URL cannot be forwarded: {exc}", code="url_invalid") from None
    except httpx.HTTPError as exc:
        if request.method not in IDEMPOTENT_METHODS and not isinstance(exc, _NOT_SENT):
            # The service may have acted on it (and crashed or stalled before answering): neither a
            # success nor an invitation to send it again (docs/operations.md, "During outages").
            log.warning(
                "%s %s to %s: no answer (%s: %s); outcome unknown",
                request.method,
                url,
                service,
                type(exc).__name__,
                exc,
            )
            unknown = UpstreamTimeout if isinstance(exc, httpx.TimeoutException) else UpstreamLost
            raise unknown(_OUTCOME_UNKNOWN, service=service) from exc
        log.warning("%s unreachable: %s: %s", service, type(exc).__name__, exc)
        raise ServiceUnavailable(f"{service} is unavailable; try again shortly") from exc


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
