"""Distributed tracing (docs/tracing.md): W3C Trace Context on every HTTP call between the services and on
every event (the CloudEvents distributed-tracing extension, `traceparent` and `tracestate`), OpenTelemetry
spans exported over OTLP when an endpoint is configured.

Two modes, chosen once per process by `configure_tracing` from the standard OpenTelemetry variables:

- **off** (the default: no `OTEL_EXPORTER_OTLP_ENDPOINT` nor `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): a
  tracer provider that samples nothing and has no span processor. Every request still gets a trace id
  (what the logs and the `X-Request-ID` answer show) and the context still travels on HTTP calls and
  events; no span is recorded, SQLAlchemy is not instrumented, the outbox relay makes no span.
- **exporting**: spans of the HTTP servers (FastAPI), the HTTP clients (httpx), the SQL statements
  (SQLAlchemy), the relay's sends and the consumers' handling, batched to the OTLP/HTTP exporter.
  Only entry spans start a trace (`EntrySpans`): a background thread's SQL is not exported on its own.

The bus is ours, so its spans are made here by hand: a consumer's handling of an event is a child of the
context the event carries, so one case is one trace from the applicant's request to the licence.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI
    from opentelemetry.util.types import Attributes
    from sqlalchemy import Engine
    from starlette.types import ASGIApp, Receive, Scope, Send

    from gov_common.events import Event

log = logging.getLogger("gov_common.tracing")

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
# Probes and scrapes start no trace: they would bury the cases' traces (OpenTelemetry's URL exclusion, regexes).
EXCLUDED_URLS = "/healthz$,/readyz$,/metrics$"

_propagator = TraceContextTextMapPropagator()


class EntrySpans(Sampler):
    """The root sampler of an exporting process: a trace starts at an entry of the system (an HTTP request
    received, an event handled without a context of its own); any other span without a parent (a relay's or
    a gauge's SQL in a background thread) is dropped. Children follow their parent (`ParentBased`)."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        entry = kind in (SpanKind.SERVER, SpanKind.CONSUMER)
        return SamplingResult(Decision.RECORD_AND_SAMPLE if entry else Decision.DROP, None, None)

    def get_description(self) -> str:
        return "EntrySpans"


class _State:
    def __init__(self) -> None:
        self.provider: trace.TracerProvider = trace.NoOpTracerProvider()
        self.tracer: trace.Tracer = self.provider.get_tracer("gov_common")
        self.recording = False
        self.service: str | None = None


_state = _State()
_lock = threading.Lock()


def exporting_configured(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the standard variables ask for spans to be exported over OTLP."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() not in ("otlp", ""):
        return False  # "none" (or an exporter this platform does not ship)
    return bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def configure_tracing(service: str) -> bool:
    """Sets this process's tracer provider, once: the first call wins (the standalone platform names its one
    process before the runtimes of its four services ask). Returns whether spans are exported.
    `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` override what `service` says."""
    with _lock:
        if _state.service is not None:
            return _state.recording
        exporting = exporting_configured()
        attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": service}
        resource = Resource.create(attributes)
        if exporting:
            # Imported only when exporting: the exporter and its HTTP stack cost nothing otherwise.
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            provider = TracerProvider(resource=resource, sampler=ParentBased(root=EntrySpans()))
            # The exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout, compression), the
            # processor OTEL_BSP_* (delay, queue and batch sizes).
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        else:
            provider = TracerProvider(resource=resource, sampler=ALWAYS_OFF)
        # Not made the global provider (trace.set_tracer_provider): every instrumentation here is given it.
        # FastAPI (0.165) switches its own native telemetry on in every app once a global provider is set:
        # spans of its own beside the instrumentation's, and about 40 µs more per request also with tracing
        # off (docs/tracing.md, "Cost with tracing off").
        _install(provider, recording=exporting, service=service)
    log.info("tracing of %s: %s", service, "exported over OTLP" if exporting else "off (trace ids only)")
    return exporting


def _install(provider: trace.TracerProvider, *, recording: bool, service: str | None) -> None:
    _state.provider = provider
    _state.tracer = provider.get_tracer("gov_common")
    _state.recording = recording
    _state.service = service


@contextmanager
def use_provider(provider: trace.TracerProvider, *, recording: bool = True, service: str = "test") -> Iterator[None]:
    """For tests: `provider` (e.g. one with an in-memory exporter) is this module's within the block."""
    with _lock:
        before = (_state.provider, _state.recording, _state.service)
        _install(provider, recording=recording, service=service)
    try:
        yield
    finally:
        with _lock:
            _state.provider, _state.recording, _state.service = before
            _state.tracer = before[0].get_tracer("gov_common")


def recording() -> bool:
    """Whether spans are recorded and exported (else only the context travels)."""
    return _state.recording


def provider() -> trace.TracerProvider:
    return _state.provider


# -- the context on the wire -----------------------------------------------------------------------


def current_trace_headers() -> tuple[str | None, str | None]:
    """The current context as W3C `traceparent` and `tracestate` values (None, None without one)."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT), carrier.get(TRACESTATE)


def context_of(traceparent: str | None, tracestate: str | None = None) -> Context | None:
    """The remote context that `traceparent` (and `tracestate`) name, on a fresh context; None when there
    is none or it is malformed."""
    if not traceparent:
        return None
    carrier = {TRACEPARENT: traceparent}
    if tracestate:
        carrier[TRACESTATE] = tracestate
    context = _propagator.extract(carrier, context=Context())
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def current_trace_id() -> str | None:
    """The current trace id as 32 hex digits, None outside any trace."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


def trace_id_of(event: Event) -> str | None:
    """The trace id (32 hex digits) of the context `event` carries; None when it carries none."""
    context = context_of(event.traceparent, event.tracestate)
    if context is None:
        return None
    return format(trace.get_current_span(context).get_span_context().trace_id, "032x")


def inject_headers(headers: Any) -> None:
    """Writes the current context into `headers` (a mutable mapping), keeping a `traceparent` already there."""
    if TRACEPARENT not in headers:
        _propagator.inject(headers)


# -- the bus: spans by hand ------------------------------------------------------------------------


def _event_attributes(event: Event, group: str, stage: str) -> dict[str, Any]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": stage,
        "messaging.consumer.group.name": group,
        "messaging.message.id": event.id,
        "cloudevents.event_id": event.id,
        "cloudevents.event_type": event.type,
        "cloudevents.event_subject": event.subject,
        "cloudevents.event_source": event.source,
    }


@contextmanager
def handling(event: Event, *, group: str, stage: str = "process") -> Iterator[None]:
    """The handling of `event` by consumer group `group` (`stage`: process, prepare, retry, replay) as a
    child of the context the event carries: a CONSUMER span when exporting, else that context made current
    (what logs, outgoing calls and the events it emits carry). An event without a context starts a trace."""
    parent = context_of(event.traceparent, event.tracestate)
    if parent is not None and not _state.recording:
        token = otel_context.attach(parent)
        try:
            yield
        finally:
            otel_context.detach(token)
        return
    with _state.tracer.start_as_current_span(
        f"{stage} {event.type}",
        context=parent if parent is not None else Context(),
        kind=SpanKind.CONSUMER,
        attributes=_event_attributes(event, group, stage) if _state.recording else None,
    ):
        yield


@contextmanager
def handling_batch(events: Sequence[Event], *, group: str) -> Iterator[None]:
    """One handler call for a batch of events of (perhaps) several traces: a span that is a child of the
    first event's context and linked to the others' (OpenTelemetry's batch receive), so that the first
    event's trace stays one tree and the others point to where they were handled."""
    if not events:
        yield
        return
    if not _state.recording:
        with handling(events[0], group=group):
            yield
        return
    contexts = [context_of(e.traceparent, e.tracestate) for e in events]
    links = []
    for context in contexts[1:]:
        if context is not None:
            links.append(Link(trace.get_current_span(context).get_span_context()))
    attributes = _event_attributes(events[0], group, "process")
    attributes["messaging.batch.message_count"] = len(events)
    with _state.tracer.start_as_current_span(
        f"process {events[0].type} batch",
        context=contexts[0] if contexts[0] is not None else Context(),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        links=links,
    ):
        yield


class Sent(NamedTuple):
    """What the relay knows of one event it sends: its topic, type, id and the context it carries."""

    topic: str
    event_type: str | None
    event_id: str | None
    traceparent: str | None
    tracestate: str | None


@contextmanager
def sending(sent: Sequence[Sent]) -> Iterator[None]:
    """The relay's send of a batch: when exporting, a PRODUCER span per event as a child of the context it
    carries (its emitter's), ended when the bus has acknowledged the batch. The consumer continues from the
    same context, so the relay publishing later breaks no chain. Nothing when not exporting."""
    if not _state.recording:
        yield
        return
    spans = []
    for item in sent:
        parent = context_of(item.traceparent, item.tracestate)
        if parent is None:
            continue  # an event of no trace: nothing to add to
        spans.append(
            _state.tracer.start_span(
                f"send {item.topic}",
                context=parent,
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "send",
                    "messaging.destination.name": item.topic,
                    "messaging.message.id": item.event_id or "",
                    "cloudevents.event_id": item.event_id or "",
                    "cloudevents.event_type": item.event_type or "",
                },
            )
        )
    try:
        yield
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        for span in spans:
            span.end()


# -- instrumentation of FastAPI, httpx and SQLAlchemy -------------------------------------------------


def instrument_app(app: FastAPI) -> None:
    """The request's trace, outermost around the app's middleware: continued from the caller's
    `traceparent`, else started. When exporting, FastAPI's OpenTelemetry instrumentation, a SERVER span per
    request; when not, `trace_context_middleware`, which only makes the context current: the
    instrumentation's per-request work (matching the route again for the span's name, the request's
    attributes, its metrics) is for spans nobody records (docs/tracing.md, "Cost with tracing off")."""
    if not _state.recording:
        build = app.build_middleware_stack

        def build_with_context() -> ASGIApp:
            return trace_context_middleware(build())

        app.build_middleware_stack = build_with_context  # type: ignore[method-assign]
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_state.provider,
        excluded_urls=EXCLUDED_URLS,
        exclude_spans=["receive", "send"],  # one span per request, not one more per body chunk
    )


def name_by_route(scope: Scope) -> None:
    """When exporting: the request's server span named by the route the router matched (`scope["route"]`),
    as the instrumentation names it when it finds the route itself, which it cannot for the gateway's
    routing table (`portal_gateway.routing.TableRoute`): "POST /api/v1/cases", not "POST"."""
    if not _state.recording:
        return
    span = trace.get_current_span()
    route = getattr(scope.get("route"), "path", None)
    if isinstance(route, str) and span.is_recording():
        span.update_name(f"{scope.get('method', 'HTTP')} {route}")
        span.set_attribute("http.route", route)


def _request_context(headers: Iterable[tuple[bytes, bytes]]) -> Context:
    """The context of a request received with `headers`: its caller's (`traceparent`, `tracestate`) or a new
    trace's, as a span that is not recorded."""
    carrier: dict[str, str] = {}
    for key, value in headers:
        if key == b"traceparent" or key == b"tracestate":
            carrier[key.decode()] = value.decode("latin-1")
    parent = _propagator.extract(carrier, context=Context()) if carrier else Context()
    span = _state.tracer.start_span("request", context=parent, kind=SpanKind.SERVER)
    return trace.set_span_in_context(span, parent)


def trace_context_middleware(app: ASGIApp) -> ASGIApp:
    """Tracing off: each HTTP request continues its caller's W3C context or starts a trace, not recorded;
    what the request logs, calls and emits carries it."""

    async def with_trace_context(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = otel_context.attach(_request_context(scope["headers"]))
            try:
                await app(scope, receive, send)
            finally:
                otel_context.detach(token)
        else:
            await app(scope, receive, send)

    return with_trace_context


def instrument_client(client: httpx.Client | httpx.AsyncClient) -> bool:
    """A client span per request, its context sent as `traceparent`, when exporting (returns True); when
    not, the caller injects the context itself (`inject_headers`, cheaper than the instrumentation)."""
    if not _state.recording:
        return False
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=_state.provider)
    return True


def instrument_engine(engine: Engine) -> None:
    """A span per SQL statement of `engine`, when exporting. The instrumentor's own per-engine tracer:
    SQLAlchemyInstrumentor().instrument() runs once per process, while a process has an engine per
    service (standalone) and more (readiness probes). opentelemetry-instrumentation-sqlalchemy declares
    SQLAlchemy < 2.1; its cursor and pool events are the same in 2.1 (tests/unit/test_tracing.py)."""
    if not _state.recording:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__ as sqla_version
    from opentelemetry.metrics import get_meter

    tracer = _state.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", sqla_version)
    usage = get_meter("opentelemetry.instrumentation.sqlalchemy", sqla_version).create_up_down_counter(
        name="db.client.connections.usage", unit="connections"
    )
    EngineTracer(tracer, engine, usage)  # type: ignore[no-untyped-call]
