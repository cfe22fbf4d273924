import json

import pytest
from opentelemetry.sdk.trace import TracerProvider

from gov_common.events import Event, EventFormatError


def test_envelope_is_structured_cloudevents_and_round_trips() -> None:
    event = Event.new(type="gov.case.dispatched", source="/service-management", subject="C1", data={"名称": "测试"})
    raw = json.loads(event.encode())
    assert raw["specversion"] == "1.0"
    assert {"id", "source", "type", "subject", "time", "datacontenttype", "data"} <= raw.keys()
    decoded = Event.decode(event.encode())
    assert decoded.id == event.id and decoded.data == {"名称": "测试"}
    assert decoded.time == event.time


def test_the_envelope_carries_the_trace_context_it_was_made_in_and_decode_restores_it() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("the request") as span:
        event = Event.new(type="gov.case.submitted", source="/service-management", subject="C2", data={})
    context = span.get_span_context()
    traceparent = f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    raw = json.loads(event.encode())
    assert raw["traceparent"] == traceparent  # the CloudEvents distributed-tracing extension
    assert "requestid" not in raw and "tracestate" not in raw  # no state was set: none is written
    decoded = Event.decode(event.encode())
    assert (decoded.traceparent, decoded.tracestate) == (traceparent, None)

    stated = Event.decode(
        json.dumps({**raw, "tracestate": "gov=case-C2,other=1"}).encode()
    )  # another system's vendor state travels along
    assert (stated.traceparent, stated.tracestate) == (traceparent, "gov=case-C2,other=1")
    assert json.loads(stated.encode())["tracestate"] == "gov=case-C2,other=1"


def test_an_event_made_outside_any_trace_carries_no_context() -> None:
    event = Event.new(type="gov.license.expiring", source="/data-sharing", subject="L1", data={})
    assert event.traceparent is None and "traceparent" not in json.loads(event.encode())
    assert Event.decode(event.encode()).traceparent is None


@pytest.mark.parametrize("raw", [b"not json", b"{}", b'{"specversion":"1.0","id":"x","source":"/s","type":"t"}'])
def test_malformed_envelopes_are_refused(raw: bytes) -> None:
    with pytest.raises(EventFormatError):
        Event.decode(raw)
