"""Prometheus metrics. Defined once per process; the `service` label tells services apart
(standalone mode runs all four in one process)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

HTTP_REQUESTS = Counter("gov_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("gov_http_request_duration_seconds", "HTTP request duration", ["service", "method", "route"])
EVENTS_PUBLISHED = Counter("gov_events_published_total", "Events published by the outbox relay", ["service", "topic"])
EVENTS_CONSUMED = Counter(
    "gov_events_consumed_total", "Events taken from the bus", ["service", "group", "type", "outcome"]
)
EVENTS_DEAD_LETTERED = Counter(
    "gov_events_dead_lettered_total", "Messages sent to a dead-letter topic", ["service", "group", "topic"]
)


def install_metrics(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", None) or "unmatched"
        HTTP_REQUESTS.labels(service, request.method, path, str(response.status_code)).inc()
        HTTP_LATENCY.labels(service, request.method, path).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
