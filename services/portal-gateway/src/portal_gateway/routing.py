"""Forwarding the public API to the service that owns each resource, passing answers through as they are.

Which service owns a path is data: `ROUTING_TABLE`, from a path prefix to its service, the longest
prefix winning (`TableRoute`, after the gateway's own routes), so that no module order decides it.
Explicit routes (`portal_gateway.routes`) remain only where the gateway adds logic: accounts, prefill,
the department named in a path, rate limits of the public licence lookups, an item's ownership. The
operations forwarded, their body limits and their public OpenAPI come from the services' own documents
(`portal_gateway.routes.contract`, docs/api.md).

The caller's bearer token and the request id travel with the call; the services verify the
token themselves, so the gateway adds no trust of its own. It only takes some away: a token
that is no longer current is refused before any route runs (`portal_gateway.revocation`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import httpx
from fastapi import Request, Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from gov_common import pagination
from gov_common.auth import Principal, Roles, get_principal
from gov_common.errors import DomainError, Forbidden, ServiceUnavailable, problem
from gov_common.http import IDEMPOTENT_METHODS
from gov_common.limits import BodyLimit
from gov_common.load_shedding import ConcurrencyLimit, overloaded
from portal_gateway.labels import service_label

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
                    f"请求地址过长（{length} 字节），至多 {self.max_bytes} 字节",
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
            raise UrlTooLong("请求地址过长，无法转发") from None
        raise DomainError("请求地址无法转发，请检查地址是否正确", code="url_invalid") from None
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
        raise ServiceUnavailable(f"{service_label(service)}暂时不可用，请稍后重试") from exc


def seg(value: str) -> str:
    return quote(value, safe="")


def service_management(request: Request) -> str:
    return str(request.app.state.runtime.settings.service_management_url)


def data_sharing(request: Request) -> str:
    return str(request.app.state.runtime.settings.data_sharing_url)


def business_system(request: Request, department: str | None) -> str:
    urls: dict[str, str] = request.app.state.runtime.settings.business_systems_urls
    if not department or department not in urls:
        raise ServiceUnavailable(f"{department} 部门的业务系统尚未接入")
    return urls[department]


def reviewer_department(principal: Principal) -> str:
    if not principal.has_role(Roles.REVIEWER, Roles.DEPARTMENT_ADMIN) or not principal.department:
        raise Forbidden("仅部门工作人员可以进行此操作")
    return principal.department


def staff_department(principal: Principal) -> str:
    """The department of a member of its review staff (a business system's caller), as their token says."""
    if not principal.has_role(*DEPARTMENT_STAFF) or not principal.department:
        raise Forbidden("仅部门审查人员可以进行此操作")
    return principal.department


DEPARTMENT_STAFF = (Roles.HANDLER, Roles.REVIEWER, Roles.APPROVER, Roles.DEPARTMENT_ADMIN)
SERVICE_MANAGEMENT, DATA_SHARING, BUSINESS_SYSTEMS = "service-management", "data-sharing", "business-systems"


@dataclass(frozen=True)
class Upstream:
    """Every path at or below `prefix` (whole segments) belongs to `service`. A business system is
    one per department: `staff_department` sends the call to the caller's own (their token says)."""

    prefix: str
    service: str
    staff_department: bool = False


ROUTING_TABLE: tuple[Upstream, ...] = (
    # service-management: the catalogue, cases, intake, bundles, lists, supervision, personal services
    *(
        Upstream(prefix, SERVICE_MANAGEMENT)
        for prefix in (
            "/api/v1/items",
            "/api/v1/departments",
            "/api/v1/themes",
            "/api/v1/cases",
            "/api/v1/case-progress",
            "/api/v1/evaluation-reasons",
            "/api/v1/evaluations",
            "/api/v1/files",
            "/api/v1/intake",
            "/api/v1/bundles",
            "/api/v1/bundle-applications",
            "/api/v1/bundle-definitions",
            "/api/v1/lists",
            "/api/v1/calendar",
            "/api/v1/supervision",
            "/api/v1/rectifications",
            "/api/v1/me/recommendations",
            "/api/v1/me/proactive-offers",
            "/api/v1/me/personal-preferences",
        )
    ),
    # data-sharing: licences, registries, the data catalogue, credit, audit, quality, the cockpit
    *(
        Upstream(prefix, DATA_SHARING)
        for prefix in (
            "/api/v1/licenses",
            "/api/v1/license-keys",
            "/api/v1/license-types",
            "/api/v1/registries",
            "/api/v1/catalogue",
            "/api/v1/credit",
            "/api/v1/audit",
            "/api/v1/quality",
            "/api/v1/cockpit",
        )
    ),
    # a department's business system, for its own staff
    *(
        Upstream(prefix, BUSINESS_SYSTEMS, staff_department=True)
        for prefix in ("/api/v1/worklist", "/api/v1/work-items", "/api/v1/review-chains", "/api/v1/handlers")
    ),
)


_DOT_SEGMENT = re.compile(r"/\.{1,2}(/|$)")


class RoutingTable:
    """Path -> `Upstream` by the longest prefix (whole segments): one dictionary look-up per segment
    of the path, whatever the table's order."""

    def __init__(self, table: Iterable[Upstream]) -> None:
        self.by_prefix: dict[str, Upstream] = {}
        for upstream in table:
            if (
                upstream.prefix in self.by_prefix
                or not upstream.prefix.startswith("/")
                or upstream.prefix.endswith("/")
            ):
                raise ValueError(f"a prefix is given twice or is not a path: {upstream.prefix!r}")
            self.by_prefix[upstream.prefix] = upstream

    def lookup(self, path: str) -> Upstream | None:
        candidate = path.rstrip("/") or path
        while candidate:
            found = self.by_prefix.get(candidate)
            if found is not None:
                return found
            candidate = candidate.rpartition("/")[0]
        return None


class _Operation:
    """What `scope["route"]` is for a forwarded request: the operation's path template (the metrics'
    label) and, as `endpoint`, the body limit the service declares for it (gov_common.limits)."""

    def __init__(self, path: str, limit: BodyLimit | None) -> None:
        self.path = path
        self.endpoint = self
        if limit is not None:
            self.__gov_body_limit__ = limit


def _limit(fact: Mapping[str, Any] | None) -> BodyLimit | None:
    if not fact:
        return None
    return BodyLimit(fact["max_bytes"], fact.get("field", "body"))


class DeclaredLimit(BaseRoute):
    """The body limit of a forwarded operation, where `gov_common.limits` looks for it before routing
    (a middleware that reads the body first, as the control-character check does): among the app's
    routes, by path and method. It never matches a request; `TableRoute` forwards it."""

    include_in_schema = False

    def __init__(self, path: str, method: str, operation: _Operation) -> None:
        self.path = path
        self.methods = {method}
        self.endpoint = operation

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return Match.NONE, {}


class TableRoute(BaseRoute):
    """Forwards a request whose path falls under a prefix of the routing table to the prefix's service,
    when the service has that operation (its OpenAPI document says): the first of its path templates
    that matches with the request's method, literal segments before parameters. The operation names the
    request in the metrics and carries its body limit. A path the service does not have is the
    gateway's 404, a method it does not take there a 405 with `Allow`, as for the gateway's own routes."""

    def __init__(self, table: Iterable[Upstream], documents: Mapping[str, Any]) -> None:
        self.table = RoutingTable(table)
        self.operations: dict[str, list[tuple[re.Pattern[str], dict[str, _Operation]]]] = {}
        for service, document in documents.items():
            for path in sorted(document.get("paths", {}), key=_specific_first):
                upstream = self.table.lookup(path)
                if upstream is None or upstream.service != service:
                    continue
                methods = document["paths"][path]
                unlimited = _Operation(path, None)
                by_method = {
                    m.upper(): (
                        _Operation(path, _limit(op.get("x-body-limit"))) if op.get("x-body-limit") else unlimited
                    )
                    for m, op in methods.items()
                    if isinstance(op, dict)
                }
                by_method[""] = unlimited
                self.operations.setdefault(upstream.prefix, []).append((compile_path(path)[0], by_method))

    def declared_limits(self) -> list[DeclaredLimit]:
        """The operations that declare a body limit, as routes `gov_common.limits` finds (`DeclaredLimit`)."""
        return [
            DeclaredLimit(operation.path, method, operation)
            for operations in self.operations.values()
            for _, by_method in operations
            for method, operation in by_method.items()
            if method and hasattr(operation, "__gov_body_limit__")
        ]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path: str = scope["path"]
        upstream = self.table.lookup(path)
        if upstream is None or _DOT_SEGMENT.search(path):
            # A dot segment would leave the prefix once the URL is normalised: not forwarded (404).
            return Match.NONE, {}
        partial: dict[str, _Operation] | None = None
        for pattern, by_method in self.operations.get(upstream.prefix, ()):
            if pattern.match(path):
                operation = by_method.get(scope["method"])
                if operation is not None:
                    return Match.FULL, {"route": operation, "upstream": upstream}
                partial = partial or by_method
        if partial is None:
            return Match.NONE, {}  # no operation of the service: the gateway's 404
        return Match.PARTIAL, {"route": partial[""], "upstream": upstream, "allowed": partial}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "allowed" in scope:  # a path of the service, a method it does not take there
            allowed = ", ".join(sorted(m for m in scope["allowed"] if m))
            raise HTTPException(405, headers={"Allow": allowed})
        request = Request(scope, receive)
        upstream: Upstream = scope["upstream"]
        # As the caller encoded it (a %2F in a segment stays one segment), without the query string.
        raw = (scope.get("raw_path") or b"").decode("latin-1")
        path = raw if raw and unquote(raw) == scope["path"] else quote(scope["path"])
        if upstream.staff_department:
            department = staff_department(get_principal(request))
            response = await forward(
                request, f"business system {department}", business_system(request, department), path
            )
        elif upstream.service == SERVICE_MANAGEMENT:
            response = await forward(request, upstream.service, service_management(request), path)
        else:
            response = await forward(request, upstream.service, data_sharing(request), path)
        await response(scope, receive, send)


def _specific_first(path: str) -> tuple[int, ...]:
    """Literal segments before parameters, segment by segment: `/items/import` before `/items/{code}`."""
    return tuple(1 if segment.startswith("{") else 0 for segment in path.split("/"))
