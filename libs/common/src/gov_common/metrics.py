"""Prometheus metrics. Defined once per process; the `service` label tells services apart
(standalone mode runs all four in one process).

`/metrics` is not public: with a `metrics_token` setting it answers only a request carrying
`Authorization: Bearer <token>` (how Prometheus scrapes: deploy/README.md, "Metrics"); without one
(development and tests only: production requires the token) only callers on this machine."""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gov_common.errors import Forbidden, Unauthorized

HTTP_REQUESTS = Counter("gov_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("gov_http_request_duration_seconds", "HTTP request duration", ["service", "method", "route"])
EVENTS_PUBLISHED = Counter("gov_events_published_total", "Events published by the outbox relay", ["service", "topic"])
EVENTS_CONSUMED = Counter(
    "gov_events_consumed_total", "Events taken from the bus", ["service", "group", "type", "outcome"]
)
EVENTS_DEAD_LETTERED = Counter(
    "gov_events_dead_lettered_total", "Messages sent to a dead-letter topic", ["service", "group", "topic"]
)
# Batches and their sizes (a histogram's _count is the number of batches): events per relay batch
# (one read, one flush, one mark) and messages per consumer poll batch (one transaction, one commit).
_BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
RELAY_BATCH_SIZE = Histogram(
    "gov_relay_batch_size", "Events published per outbox relay batch", ["service"], buckets=_BATCH_BUCKETS
)
CONSUMER_BATCH_SIZE = Histogram(
    "gov_consumer_batch_size", "Messages per consumer poll batch", ["service", "group"], buckets=_BATCH_BUCKETS
)


def _on_this_machine(request: Request) -> bool:
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def scrape_allowed(request: Request, token: str) -> None:
    """Raises 401 (a token is set and the request lacks it) or 403 (no token: not from this machine)."""
    if token:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), token.encode()):
            raise Unauthorized("/metrics needs the metrics bearer token", code="metrics_token_required")
    elif not _on_this_machine(request):
        raise Forbidden(
            "/metrics answers only this machine unless a metrics token is set (<PREFIX>_METRICS_TOKEN)",
            code="metrics_local_only",
        )


class _Measure:
    """ASGI middleware: counts each answer by route and status and times it to its first byte. Plain
    ASGI: no extra task per request, as Starlette's BaseHTTPMiddleware would make."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def measured(message: Message) -> None:
            if message["type"] == "http.response.start":
                path = getattr(scope.get("route"), "path", None) or "unmatched"
                method = scope["method"]
                HTTP_REQUESTS.labels(self.service, method, path, str(message["status"])).inc()
                HTTP_LATENCY.labels(self.service, method, path).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, measured)


def install_metrics(app: FastAPI, service: str, *, token: str = "") -> None:
    app.add_middleware(_Measure, service=service)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        scrape_allowed(request, token)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # `serve --workers N` (gov_common.cli): the sum of every worker process of this server.
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
