"""Outgoing HTTP: every call carries the current trace context (W3C `traceparent`, gov_common.tracing):
a client span of its own when spans are exported, else the caller's context as it is.

Keep-alive (docs/operations.md, "Keep-alive and retries"): our clients drop an idle connection after
`http_keepalive_expiry_seconds` (5 s), our servers after `server_keep_alive_seconds` (30 s), so that it
is the client that ends an idle connection, not the server just as the client sends on it. What
remains of that race (another server, a proxy in between, a restart) is covered by one retry on a
fresh connection of a request that cannot have been acted on twice (`RetryOnFreshConnection`).
"""

from __future__ import annotations

import inspect
import logging
import threading
from typing import Any

import httpx

from gov_common import tracing

log = logging.getLogger("gov_common.http")

# Methods that may be sent twice (RFC 9110 9.2.2; PUT and DELETE are left out on purpose: ours are
# not all written to be repeated).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_KEEPALIVE_EXPIRY_SECONDS = 5.0
# A connection to another service opens within this many seconds or not at all (a service that is
# down or unreachable is answered 503 at once, not after the whole request timeout).
DEFAULT_CONNECT_TIMEOUT_SECONDS = 3.0


async def _add_trace_context(request: httpx.Request) -> None:
    tracing.inject_headers(request.headers)


class _Attempt:
    """What httpcore reports of one attempt through its `trace` extension: whether it opened a
    connection of its own (otherwise it reused a kept-alive one) and whether a response head came."""

    def __init__(self, outer: Any) -> None:
        self.outer = outer
        self.connected = False
        self.head_received = False

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        if name.startswith(("connection.connect_tcp.", "connection.connect_unix_socket.")):
            self.connected = True
        elif name == "http11.receive_response_headers.complete" or name == "http2.receive_response_headers.complete":
            self.head_received = True
        if self.outer is not None:
            result = self.outer(name, info)
            if inspect.isawaitable(result):
                await result


def may_retry(request: httpx.Request, exc: Exception, *, reused: bool, head_received: bool) -> bool:
    """Whether a request that failed with `exc` may be sent once more: its body can be sent again,
    and either nothing of it reached a server (no connection), or it is idempotent and no answer
    came, or it went out on a reused connection that the server had closed — the server said nothing
    at all (`Server disconnected without sending a response`, a reset or a failed write) — which is
    what a server ending an idle connection as it is reused looks like. A timeout is never retried:
    a slow server would only get the request twice."""
    if head_received or not isinstance(request.stream, httpx.ByteStream):
        return False
    if isinstance(exc, httpx.TimeoutException):
        return False
    if isinstance(exc, httpx.ConnectError):
        return True
    if not isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return False
    if request.method in IDEMPOTENT_METHODS:
        return True
    if not reused:
        return False
    if isinstance(exc, httpx.RemoteProtocolError):
        return "without sending a response" in str(exc)
    return True


class RetryOnFreshConnection(httpx.AsyncBaseTransport):
    """Sends through a pooled transport; a request that `may_retry` is sent once more through a
    transport that keeps no connection, so on a connection of its own."""

    def __init__(self, pooled: httpx.AsyncBaseTransport, fresh: httpx.AsyncBaseTransport) -> None:
        self.pooled = pooled
        self.fresh = fresh

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outer = request.extensions.get("trace")
        attempt = _Attempt(outer)
        request.extensions["trace"] = attempt
        try:
            return await self.pooled.handle_async_request(request)
        except httpx.TransportError as exc:
            if not may_retry(request, exc, reused=not attempt.connected, head_received=attempt.head_received):
                raise
            first = exc
            log.info(
                "%s %s failed on a %s connection (%s: %s); sending it once more on a fresh one",
                request.method,
                request.url.copy_with(query=None),
                "new" if attempt.connected else "reused",
                type(exc).__name__,
                exc,
            )
        finally:
            if outer is None:
                request.extensions.pop("trace", None)
            else:
                request.extensions["trace"] = outer
        try:
            return await self.fresh.handle_async_request(request)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if request.method in IDEMPOTENT_METHODS or isinstance(first, httpx.ConnectError | httpx.ConnectTimeout):
                raise
            # The first attempt went out whole and may have been acted on (a server that died after
            # its commit looks the same as one that closed an idle connection); the second never left:
            # what is known is the first's failure, "outcome unknown" (portal_gateway.routing).
            raise first from None

    async def aclose(self) -> None:
        await self.pooled.aclose()
        await self.fresh.aclose()


def async_client(
    timeout: float,
    *,
    keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY_SECONDS,
    max_connections: int = 100,
    pool_timeout: float | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_SECONDS,
) -> httpx.AsyncClient:
    """The process's one asynchronous client. At most `max_connections` connections at once, each
    kept for reuse up to `keepalive_expiry` seconds idle; a request that finds none free within
    `pool_timeout` seconds (default: `timeout`) fails with httpx.PoolTimeout; a new connection opens
    within `connect_timeout` seconds (at most `timeout`) or fails with httpx.ConnectTimeout."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=keepalive_expiry
    )
    transport = RetryOnFreshConnection(
        httpx.AsyncHTTPTransport(limits=limits),
        httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=None, max_keepalive_connections=0)),
    )
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            timeout,
            connect=min(timeout, connect_timeout),
            pool=timeout if pool_timeout is None else pool_timeout,
        ),
        transport=transport,
    )
    if not tracing.instrument_client(client):
        client.event_hooks["request"].append(_add_trace_context)
    return client


def _add_trace_context_sync(request: httpx.Request) -> None:
    tracing.inject_headers(request.headers)


_sync_client: httpx.Client | None = None
_sync_lock = threading.Lock()


def sync_client() -> httpx.Client:
    """The process's one synchronous client, for calls made from worker threads (event handlers,
    sync endpoints): its connections are kept alive and reused across calls and threads, instead of a
    new connection (and TLS handshake) per call. Each call passes its own `timeout`."""
    global _sync_client
    with _sync_lock:
        if _sync_client is None or _sync_client.is_closed:
            client = httpx.Client(timeout=10.0)
            if not tracing.instrument_client(client):
                client.event_hooks["request"].append(_add_trace_context_sync)
            _sync_client = client
        return _sync_client
