"""What tracing costs when it is off (docs/tracing.md, "Cost with tracing off"): the hot path's steps per
event and per request, on SQLite in a temporary directory (tmpfs where there is one) and the local bus, so
that the mechanism's own cost is not hidden behind a network round trip.

    .venv/bin/python scripts/bench_tracing_overhead.py                   # this tree
    PYTHONPATH=<other tree>/libs/common/src .venv/bin/python scripts/bench_tracing_overhead.py   # e.g. main

Prints the median over --rounds of CPU time (this process's: other processes on the machine do not count)
per event or request of: emit (an event made and written to the outbox in its own transaction,
in a request's context), relay (published per batch), consume (handled per poll batch of 64, one row
written per event) and HTTP (one request through a service's request-context middleware, ASGI called
directly; "http-otel": the same with FastAPI's OpenTelemetry instrumentation, not exported), and of the
mechanism alone per call (`micro`).
Works on trees before gov_common.tracing too (then the request id is the context)."""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from opentelemetry.trace import SpanKind
from sqlalchemy import Column, MetaData, String, Table, insert
from sqlalchemy.orm import Session

import gov_common
from gov_common.bus.local import LocalBus
from gov_common.db import Database
from gov_common.events import Event, Topics
from gov_common.messaging import EventConsumer, OutboxRelay, emit, messaging_metadata

SERVER = SpanKind.SERVER

try:
    from gov_common import tracing
except ImportError:  # a tree before tracing: the request id
    tracing = None  # type: ignore[assignment]

effects_metadata = MetaData()
effects = Table("effects", effects_metadata, Column("event_id", String(64), primary_key=True))


@functools.cache
def _tracer() -> Any:
    return tracing.provider().get_tracer("bench")


@contextmanager
def request_context() -> Iterator[None]:
    """What a request's middleware makes current before the endpoint runs."""
    if tracing is not None:
        # As tracing.trace_context_middleware does: the context made current (the tracer is made once, as there).
        with _tracer().start_as_current_span("request", kind=SERVER):
            yield
        return
    from gov_common.context import reset_request_id, set_request_id  # type: ignore[attr-defined]

    token = set_request_id(uuid.uuid4().hex)
    try:
        yield
    finally:
        reset_request_id(token)


def middleware_app(*, fastapi_instrumentation: bool = False) -> FastAPI:
    """A service's request-context middleware around one endpoint. `fastapi_instrumentation`: FastAPI's
    OpenTelemetry middleware with the off provider instead of ours (what the off mode would cost with it)."""
    app = FastAPI()

    @app.get("/api/v1/ping")
    async def ping() -> dict[str, str]:
        return {"ok": "yes"}

    if tracing is not None:
        from gov_common.context import TraceIdHeader

        app.add_middleware(TraceIdHeader)
        if fastapi_instrumentation:
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            FastAPIInstrumentor.instrument_app(
                app, tracer_provider=tracing.provider(), exclude_spans=["receive", "send"]
            )
        else:
            tracing.instrument_app(app)
    else:
        from gov_common.context import RequestIdMiddleware  # type: ignore[attr-defined]

        app.add_middleware(RequestIdMiddleware)
    return app


def per_request_http(app: FastAPI, n: int) -> float:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/ping",
        "raw_path": b"/api/v1/ping",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        return None

    async def run() -> float:
        for _ in range(200):  # warm-up (the middleware stack is built on the first call)
            await app(dict(scope), receive, send)
        start = time.process_time()
        for _ in range(n):
            await app(dict(scope), receive, send)
        return (time.process_time() - start) / n

    return asyncio.run(run())


def micro(n: int) -> dict[str, float]:
    """The mechanism alone, CPU seconds per call: an event made and encoded in a request's context; a
    consumer making an event's context current around its handling; the relay reading what it needs of a
    payload."""
    from gov_common import messaging

    out: dict[str, float] = {}
    with request_context():
        event = Event.new(type="bench.happened", source="/bench", subject="C1", data={"n": 1})
        start = time.process_time()
        for _ in range(n):
            Event.new(type="bench.happened", source="/bench", subject="C1", data={"n": 1}).encode()
        out["event.new+encode"] = (time.process_time() - start) / n
    payload = event.encode()
    decoded = Event.decode(payload)
    start = time.process_time()
    if tracing is not None:
        for _ in range(n):
            with tracing.handling(decoded, group="bench"):
                pass
    else:
        from gov_common.context import reset_request_id, set_request_id  # type: ignore[attr-defined]

        for _ in range(n):
            token = set_request_id(decoded.request_id)  # type: ignore[attr-defined]
            reset_request_id(token)
    out["consumer context"] = (time.process_time() - start) / n
    start = time.process_time()
    if tracing is not None:
        for _ in range(n):
            sent = [messaging._headline(Topics.CASE, payload)]  # type: ignore[attr-defined]
            with tracing.sending(sent):
                pass
    else:
        for _ in range(n):
            messaging._event_type(payload)  # type: ignore[attr-defined]
    out["relay per event"] = (time.process_time() - start) / n
    return out


def one_round(work: Path, n: int) -> dict[str, float]:
    db = Database(f"sqlite:///{work / f'svc-{uuid.uuid4().hex}.db'}")
    messaging_metadata.create_all(db.engine)
    effects_metadata.create_all(db.engine)
    bus = LocalBus(str(work / f"bus-{uuid.uuid4().hex}.db"))
    out: dict[str, float] = {}

    start = time.process_time()
    for i in range(n):
        with request_context(), db.session() as session:
            emit(
                session, Topics.CASE, Event.new(type="bench.happened", source="/bench", subject=f"C{i}", data={"n": i})
            )
    out["emit"] = (time.process_time() - start) / n

    relay = OutboxRelay(db=db, bus=bus, service="bench", batch=500)
    start = time.process_time()
    while relay.publish_pending():
        pass
    out["relay"] = (time.process_time() - start) / n

    def handler(session: Session, event: Event) -> None:
        session.execute(insert(effects).values(event_id=event.id))

    consumer = EventConsumer(
        db=db, bus=bus, group="bench", topics=[Topics.CASE], handlers={"bench.happened": handler}, service="bench"
    )
    member = bus.consumer("bench", [Topics.CASE], max_records=64)
    start = time.process_time()
    handled = 0
    while handled < n:
        messages = member.poll(0.1)
        consumer.handle_batch(messages, member)
        handled += len(messages)
    out["consume"] = (time.process_time() - start) / n
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if tracing is not None:
        os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        os.environ.pop("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", None)
        tracing.configure_tracing("bench")  # off: no exporter, nothing sampled
    root = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(dir=root) as work:
        for _ in range(args.rounds):
            for step, seconds in one_round(Path(work), args.events).items():
                results.setdefault(step, []).append(seconds)
            for step, seconds in micro(args.requests * 4).items():
                results.setdefault(step, []).append(seconds)
            results.setdefault("http", []).append(per_request_http(middleware_app(), args.requests))
            if tracing is not None:
                app = middleware_app(fastapi_instrumentation=True)
                results.setdefault("http-otel", []).append(per_request_http(app, args.requests))
    tree = Path(gov_common.__file__).resolve().parents[4]
    print(f"tree: {tree} ({'gov_common.tracing, off' if tracing is not None else 'request id'})")
    for step in (
        "emit",
        "relay",
        "consume",
        "http",
        "http-otel",
        "event.new+encode",
        "consumer context",
        "relay per event",
    ):
        if step not in results:
            continue
        unit = "request" if step.startswith("http") else "event" if step in ("emit", "relay", "consume") else "call"
        rounds = ", ".join(f"{s * 1e6:.1f}" for s in results[step])
        print(f"{step:>8}: {statistics.median(results[step]) * 1e6:8.1f} µs per {unit}  (rounds: {rounds})")


if __name__ == "__main__":
    main()
