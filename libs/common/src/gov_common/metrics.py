"""Prometheus metrics. Defined once per process; the `service` label tells services apart
(standalone mode runs all four in one process).

`/metrics` is not public: with a `metrics_token` setting it answers only a request carrying
`Authorization: Bearer <token>` (how Prometheus scrapes: deploy/README.md, "Metrics"); without one
(development and tests only: production requires the token) only callers on this machine."""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
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


LabelValues = tuple[str, ...]


class SampledGauges(Collector):
    """Gauges measured in the background (gov_common.backlog) and only read when scraped, so that a
    scrape never waits on a database or a broker. Each measurement replaces the series of its owner
    (the leading label values, e.g. a service and a consumer group) and lives `ttl` seconds: a value
    that could not be measured again since (the database or the broker is down, the measuring thread
    is stuck) disappears instead of standing still. With `serve --workers N` every process measures
    the same outbox and group offsets, and the process answering the scrape shows its own samples."""

    def __init__(self) -> None:
        self._defined: dict[str, tuple[str, list[str]]] = {}
        self._values: dict[str, dict[LabelValues, tuple[float, dict[LabelValues, float]]]] = {}
        self._lock = threading.Lock()

    def define(self, name: str, documentation: str, labelnames: Sequence[str]) -> str:
        self._defined[name] = (documentation, list(labelnames))
        return name

    def put(self, name: str, owner: LabelValues, series: Mapping[LabelValues, float], *, ttl: float) -> None:
        """Replace the series of `name` whose label values start with `owner` by `series`."""
        if name not in self._defined:
            raise KeyError(f"gauge {name} is not defined")
        with self._lock:
            self._values.setdefault(name, {})[owner] = (time.monotonic() + ttl, dict(series))

    def drop(self, owner: LabelValues) -> None:
        """Forget every series whose label values start with `owner` (a runtime that stopped)."""
        with self._lock:
            for owners in self._values.values():
                for key in [k for k in owners if k[: len(owner)] == owner]:
                    del owners[key]

    def value(self, name: str, labels: LabelValues) -> float | None:
        """The live value of one series (None when there is none)."""
        for family in self.collect():
            if family.name == name:
                for sample in family.samples:
                    if tuple(sample.labels[n] for n in self._defined[name][1]) == labels:
                        return float(sample.value)
        return None

    def describe(self) -> Iterable[Metric]:
        for name, (documentation, labelnames) in self._defined.items():
            yield GaugeMetricFamily(name, documentation, labels=labelnames)

    def collect(self) -> Iterator[Metric]:
        now = time.monotonic()
        with self._lock:
            live = {
                name: [
                    (labels, value)
                    for until, series in owners.values()
                    if until > now
                    for labels, value in series.items()
                ]
                for name, owners in self._values.items()
            }
        for name, (documentation, labelnames) in self._defined.items():
            family = GaugeMetricFamily(name, documentation, labels=labelnames)
            for labels, value in sorted(live.get(name, [])):
                family.add_metric(list(labels), value)
            yield family


SAMPLED = SampledGauges()
OUTBOX_BACKLOG = SAMPLED.define("gov_outbox_backlog", "Events in the outbox not yet published", ["service"])
OUTBOX_OLDEST_AGE = SAMPLED.define(
    "gov_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox event (0 when none)", ["service"]
)
CONSUMER_LAG = SAMPLED.define(
    "gov_consumer_lag",
    "Messages of a partition after its consumer group's committed offset",
    ["service", "group", "topic", "partition"],
)
READY = SAMPLED.define("gov_ready", "1 when the service's readiness checks pass (as /readyz), else 0", ["service"])
REGISTRY.register(SAMPLED)


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
            raise Unauthorized("访问监控指标需要指标访问令牌", code="metrics_token_required")
    elif not _on_this_machine(request):
        raise Forbidden(
            "未设置指标访问令牌（<PREFIX>_METRICS_TOKEN）时，监控指标仅对本机开放",
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
    # Outside every middleware, including those added after this call: an answer given by a middleware
    # (503 of load shedding, 413 of a body limit, the gateway's 414) is counted like any other.
    build_stack = app.build_middleware_stack

    def measured_stack() -> Any:
        return _Measure(build_stack(), service=service)

    app.build_middleware_stack = measured_stack  # type: ignore[method-assign]

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        scrape_allowed(request, token)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # `serve --workers N` (gov_common.cli): the sum of every worker process of this server.
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            registry.register(SAMPLED)  # not kept in the shared files: this process's own samples
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
