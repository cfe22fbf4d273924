"""One instant-approval case is one trace across the four services (issue 16, "Traces"), on the real
PostgreSQL and Kafka: the distributed platform exports its spans over OTLP/HTTP to a receiver this test
runs on 127.0.0.1, which decodes them with `opentelemetry-proto`. The case's spans come from the gateway,
service-management, the business system and data-sharing, share the trace id the gateway's answer names
(`X-Request-ID`), and form one tree whose only root is the gateway's server span: the relay publishing
later and the consumers in other processes continue the trace each event carries (`traceparent`)."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.e2e.platform import ADULTS, BUSINESS_FORM, ITEM_INSTANT, Applicant, Platform, start_distributed

SERVICES = {"portal-gateway", "service-management", "business-systems", "data-sharing"}


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: int


class OtlpReceiver:
    """The OTLP/HTTP traces endpoint (`POST /v1/traces`, protobuf), keeping every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                receiver._receive(ExportTraceServiceRequest.FromString(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _receive(self, request: ExportTraceServiceRequest) -> None:
        received = []
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            service=attributes.get("service.name", ""),
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex() or None,
                            name=span.name,
                            kind=span.kind,
                        )
                    )
        with self._lock:
            self.spans.extend(received)

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return [s for s in self.spans if s.trace_id == trace_id]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    started = OtlpReceiver()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def traced_platform(
    tmp_path_factory: pytest.TempPathFactory,
    new_database: Callable[[str], str],
    kafka_bootstrap: str,
    receiver: OtlpReceiver,
) -> Iterator[Platform]:
    databases = {name: new_database(name) for name in ["gw", "sm", "ds", "bs_amr"]}
    with pytest.MonkeyPatch.context() as env:  # the processes' environment: tracing exported over OTLP
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")  # ms between exports (default 5 s)
        platform = start_distributed(
            tmp_path_factory.mktemp("traced"), databases=databases, kafka=kafka_bootstrap, departments=("amr",)
        )
    yield platform
    platform.stop()


def _roots(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    ids = {s.span_id for s in spans}
    return [s for s in spans if s.parent_span_id is None or s.parent_span_id not in ids]


def test_an_instant_approval_case_is_one_trace_across_the_four_services(
    traced_platform: Platform, receiver: OtlpReceiver
) -> None:
    with traced_platform.client() as client:
        applicant = Applicant(client, ADULTS[0], name="张三")
        response = client.post(
            "/api/v1/cases", json={"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}, headers=applicant.headers
        )
        assert response.status_code == 201, response.text
        trace_id = response.headers["X-Request-ID"]
        case = applicant.wait_for(response.json()["case_no"], "concluded")
        assert case["license_no"]

    # What each service did for the case, as spans of the one trace: the forwarded call and the server
    # span behind it, the prepare stage and handling of each event, the relay's sends, the SQL in between.
    server, consumer = Span.SpanKind.SPAN_KIND_SERVER, Span.SpanKind.SPAN_KIND_CONSUMER
    producer, client = Span.SpanKind.SPAN_KIND_PRODUCER, Span.SpanKind.SPAN_KIND_CLIENT
    expected = {
        ("portal-gateway", client, "POST"),
        ("service-management", server, "POST /api/v1/cases"),
        ("service-management", producer, "send gov.case.v1"),
        ("business-systems", consumer, "prepare gov.case.dispatched"),
        ("business-systems", consumer, "process gov.case.dispatched"),
        ("business-systems", producer, "send gov.case.v1"),
        ("data-sharing", consumer, "process gov.case.approved"),
        ("data-sharing", producer, "send gov.license.v1"),
        ("service-management", consumer, "process gov.case.approved"),  # it concludes the case
    }

    # Each process exports every 200 ms; a parent span may arrive after its children.
    deadline = time.monotonic() + 30
    while True:
        spans = receiver.of_trace(trace_id)
        seen = {(s.service, s.kind, s.name) for s in spans}
        if (expected <= seen and len(_roots(spans)) == 1) or time.monotonic() > deadline:
            break
        time.sleep(0.2)

    assert {s.service for s in spans} == SERVICES, sorted(seen)
    roots = _roots(spans)
    assert [(r.service, r.kind, r.parent_span_id) for r in roots] == [("portal-gateway", server, None)], roots
    assert roots[0].name == "POST /api/v1/cases", roots  # named by the operation the gateway forwards
    assert expected <= seen, sorted(expected - seen)
    assert any(s.kind == client and s.name.startswith("INSERT") for s in spans)
