"""Traces (gov_common.tracing): the context of a request travels through the outbox, the relay and the
consumer (and over HTTP) as one trace; with tracing off the context still travels and nothing is recorded.
On SQLite and the local bus (the standalone backends), with an in-memory span exporter."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind
from sqlalchemy import Column, MetaData, String, Table, insert
from sqlalchemy.orm import Session

from gov_common import tracing
from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.bus.local import LocalBus
from gov_common.db import Database
from gov_common.events import Event, Topics
from gov_common.http import async_client
from gov_common.messaging import BatchHandler, EventConsumer, OutboxRelay, emit, messaging_metadata
from gov_common.service import ServiceRuntime, create_service_app
from gov_common.settings import ServiceSettings
from tests.loopback import serving

effects_metadata = MetaData()
effects = Table("effects", effects_metadata, Column("event_id", String(64), primary_key=True))


def _provider(exporter: InMemorySpanExporter, *, exporting: bool) -> TracerProvider:
    """As configure_tracing builds it: entry spans start traces when exporting; nothing sampled when off."""
    sampler = ParentBased(root=tracing.EntrySpans()) if exporting else ALWAYS_OFF
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def exporting(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = _provider(exporter, exporting=True)
    with tracing.use_provider(provider, recording=True):
        yield provider


@pytest.fixture
def off(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = _provider(exporter, exporting=False)
    with tracing.use_provider(provider, recording=False):
        yield provider


def _database(tmp_path: Path) -> Database:
    """Made within the provider's block: its engine is instrumented when spans are exported."""
    database = Database(f"sqlite:///{tmp_path / 'svc.db'}")
    messaging_metadata.create_all(database.engine)
    effects_metadata.create_all(database.engine)
    return database


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]


def _span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


def _trace_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.trace_id)


def _traceparent(span: ReadableSpan) -> str:
    """W3C: version, trace id, parent (span) id, flags (sampled 0x01; the SDK also sets "random", 0x02)."""
    assert span.context is not None
    return f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"


def _flow(tmp_path: Path, provider: TracerProvider) -> tuple[Event, list[Event], list[str | None]]:
    """A request emits an event into the outbox; the relay publishes it later, from its own thread's
    context; the consumer's handler emits the next event. Returns the first event, the handler's and
    the trace ids the handler saw."""
    db = _database(tmp_path)
    bus = LocalBus(str(tmp_path / "bus.db"))
    seen: list[str | None] = []

    def handler(session: Session, event: Event) -> None:
        seen.append(tracing.current_trace_id())
        session.execute(insert(effects).values(event_id=event.id))
        emit(session, Topics.LICENSE, Event.new(type="test.next", source="/test", subject=event.subject, data={}))

    with provider.get_tracer("test").start_as_current_span("POST /api/v1/cases", kind=SpanKind.SERVER):
        first = Event.new(type="test.happened", source="/test", subject="C1", data={})
        with db.session() as session:
            emit(session, Topics.CASE, first)
    relay = OutboxRelay(db=db, bus=bus, service="test")
    assert relay.publish_pending() == 1
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": handler}, service="test"
    )
    consumer.handle_batch(bus.consumer("g", [Topics.CASE]).poll(0.1))
    assert relay.publish_pending() == 1
    emitted = [Event.decode(m.value) for m in bus.consumer("r", [Topics.LICENSE]).poll(0.1)]
    return first, emitted, seen


def test_one_trace_from_the_request_through_the_outbox_relay_and_consumer(
    tmp_path: Path, exporting: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    first, emitted, seen = _flow(tmp_path, exporting)
    spans = exporter.get_finished_spans()
    request = _by_name(spans, "POST /api/v1/cases")
    assert request.parent is None
    trace_id = _trace_id(request)
    assert first.traceparent == _traceparent(request)
    assert int(first.traceparent[-2:], 16) & 0x01  # sampled

    # The relay's send and the consumer's handling are both children of the emitting request's span:
    # the relay publishing later, from its own thread, breaks no chain.
    sent = [s for s in spans if s.name == f"send {Topics.CASE}"]
    assert len(sent) == 1 and sent[0].kind == SpanKind.PRODUCER
    assert sent[0].parent is not None and sent[0].parent.span_id == _span_id(request)
    handled = _by_name(spans, "process test.happened")
    assert handled.kind == SpanKind.CONSUMER
    assert handled.parent is not None and handled.parent.span_id == _span_id(request)
    assert handled.parent.is_remote  # continued from the event, not from anything in this thread
    assert handled.attributes is not None and handled.attributes["cloudevents.event_id"] == first.id
    assert seen == [f"{trace_id:032x}"]

    # The event the handler emits carries the handling span's context on.
    assert len(emitted) == 1
    assert emitted[0].traceparent == _traceparent(handled)
    assert _by_name(spans, f"send {Topics.LICENSE}").parent.span_id == _span_id(handled)  # type: ignore[union-attr]

    # SQLAlchemy (2.1, which opentelemetry-instrumentation-sqlalchemy does not declare) traces the handler's
    # statements under its span; the relay's and the consumer's own SQL outside any span starts no trace.
    statements = [s for s in spans if s.parent is not None and s.parent.span_id == _span_id(handled)]
    assert any(s.kind == SpanKind.CLIENT and s.name.startswith("INSERT") for s in statements), statements
    assert {_trace_id(s) for s in spans} == {trace_id}


def test_with_tracing_off_the_context_travels_and_no_span_is_recorded(
    tmp_path: Path, off: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    first, emitted, seen = _flow(tmp_path, off)
    assert first.traceparent is not None and not int(first.traceparent[-2:], 16) & 0x01  # not sampled
    trace_id = first.traceparent.split("-")[1]
    assert seen == [trace_id]
    assert emitted[0].traceparent is not None and emitted[0].traceparent.split("-")[1] == trace_id
    assert exporter.get_finished_spans() == ()


def test_a_batch_handlers_span_continues_its_first_events_trace_and_links_the_others(
    tmp_path: Path, exporting: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    db = _database(tmp_path)
    bus = LocalBus(str(tmp_path / "bus.db"))
    tracer = exporting.get_tracer("test")
    events = []
    for n in range(3):
        with tracer.start_as_current_span(f"request {n}", kind=SpanKind.SERVER):
            event = Event.new(type="test.happened", source="/test", subject=f"C{n}", data={})
        bus.publish(Topics.CASE, event.subject, event.encode())
        events.append(event)

    def one(session: Session, event: Event) -> None:
        session.execute(insert(effects).values(event_id=event.id))

    def batch(session: Session, batch: list[Event]) -> None:
        session.execute(insert(effects), [{"event_id": e.id} for e in batch])

    handler = BatchHandler(one, batch)  # type: ignore[arg-type]
    consumer = EventConsumer(
        db=db, bus=bus, group="g", topics=[Topics.CASE], handlers={"test.happened": handler}, service="test"
    )
    consumer.handle_batch(bus.consumer("g", [Topics.CASE]).poll(0.1))
    spans = exporter.get_finished_spans()
    handled = _by_name(spans, "process test.happened batch")
    assert handled.parent is not None and handled.parent.span_id == _span_id(_by_name(spans, "request 0"))
    linked = {link.context.span_id for link in handled.links}
    assert linked == {_span_id(_by_name(spans, "request 1")), _span_id(_by_name(spans, "request 2"))}


def _echo_app() -> tuple[FastAPI, list[str | None]]:
    """An app (instrumented as the services' are) that keeps the `traceparent` it receives and answers
    the trace id current in its endpoint."""
    app = FastAPI()
    received: list[str | None] = []

    @app.get("/api/v1/things")
    def things(request: Request) -> dict[str, str | None]:
        received.append(request.headers.get("traceparent"))
        return {"trace_id": tracing.current_trace_id()}

    tracing.instrument_app(app)
    return app, received


def test_a_call_between_services_carries_the_context_as_traceparent(
    exporting: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    app, received = _echo_app()

    async def call(base_url: str) -> dict[str, str | None]:
        client = async_client(5.0)
        try:
            with exporting.get_tracer("test").start_as_current_span("handling", kind=SpanKind.CONSUMER):
                response = await client.get(base_url + "/api/v1/things")
            return dict(response.json())
        finally:
            await client.aclose()

    with serving(app) as base_url:
        answer = asyncio.run(call(base_url))
    spans = exporter.get_finished_spans()
    origin = _by_name(spans, "handling")
    client_span = next(s for s in spans if s.kind == SpanKind.CLIENT)
    server_span = next(s for s in spans if s.kind == SpanKind.SERVER)
    assert client_span.parent is not None and client_span.parent.span_id == _span_id(origin)
    assert server_span.parent is not None and server_span.parent.span_id == _span_id(client_span)
    assert received == [_traceparent(client_span)]
    assert answer["trace_id"] == f"{_trace_id(origin):032x}"


def test_exporting_is_configured_by_the_standard_variables() -> None:
    assert not tracing.exporting_configured({})
    assert tracing.exporting_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing.exporting_configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"})
    assert not tracing.exporting_configured(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"}
    )
    assert not tracing.exporting_configured(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}
    )


def test_with_tracing_off_a_call_between_services_still_carries_the_trace(off: TracerProvider) -> None:
    app, received = _echo_app()

    async def call(base_url: str) -> tuple[str | None, dict[str, str | None]]:
        client = async_client(5.0)
        try:
            with off.get_tracer("test").start_as_current_span("handling", kind=SpanKind.CONSUMER):
                sent = tracing.current_trace_headers()[0]
                response = await client.get(base_url + "/api/v1/things")
            return sent, dict(response.json())
        finally:
            await client.aclose()

    with serving(app) as base_url:
        sent, answer = asyncio.run(call(base_url))
    assert sent is not None and received == [sent]  # the caller's context as it is: no client span
    assert answer["trace_id"] == sent.split("-")[1]


def _service_app(tmp_path: Path) -> FastAPI:
    """A service's app from the services' factory (metrics, limits, error handlers: the whole stack)."""
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    runtime = ServiceRuntime(
        name="tracing-test",
        settings=ServiceSettings(database_url=f"sqlite:///{tmp_path / 't.db'}"),
        bus=LocalBus(str(tmp_path / "bus.db")),
        verifier=TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform"),
    )
    app = create_service_app(runtime, title="t", description="t", manage_lifespan=False)

    @app.post("/api/v1/things/{thing_no}")
    def thing(thing_no: str) -> dict[str, str | None]:
        return {"trace_id": tracing.current_trace_id()}

    return app


def test_a_service_apps_requests_are_server_spans_and_answer_their_trace_id(
    tmp_path: Path, exporting: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    with TestClient(_service_app(tmp_path)) as client:
        response = client.post("/api/v1/things/T-1")
        assert client.get("/healthz").status_code == 200  # probes start no trace
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind == SpanKind.SERVER]
    assert [s.name for s in server] == ["POST /api/v1/things/{thing_no}"]
    trace_id = f"{_trace_id(server[0]):032x}"
    assert response.headers["X-Request-ID"] == trace_id == response.json()["trace_id"]
    assert {_trace_id(s) for s in spans} == {_trace_id(server[0])}  # FastAPI's own telemetry stays off


def test_with_tracing_off_a_service_app_answers_a_trace_id_continued_from_the_caller(
    tmp_path: Path, off: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
    with TestClient(_service_app(tmp_path)) as client:
        response = client.post("/api/v1/things/T-1", headers={"traceparent": caller})
        fresh = client.post("/api/v1/things/T-2")
    assert response.headers["X-Request-ID"] == response.json()["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-ID"])
    assert fresh.headers["X-Request-ID"] not in (response.headers["X-Request-ID"], "0" * 32)
    assert exporter.get_finished_spans() == ()
