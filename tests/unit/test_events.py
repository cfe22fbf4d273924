import json

import pytest

from gov_common.context import reset_request_id, set_request_id
from gov_common.events import Event, EventFormatError


def test_envelope_is_structured_cloudevents_and_round_trips() -> None:
    token = set_request_id("req-1")
    try:
        event = Event.new(type="gov.case.dispatched", source="/service-management", subject="C1", data={"名称": "测试"})
    finally:
        reset_request_id(token)
    raw = json.loads(event.encode())
    assert raw["specversion"] == "1.0"
    assert {"id", "source", "type", "subject", "time", "datacontenttype", "data"} <= raw.keys()
    assert raw["requestid"] == "req-1"
    decoded = Event.decode(event.encode())
    assert decoded.id == event.id and decoded.data == {"名称": "测试"} and decoded.request_id == "req-1"
    assert decoded.time == event.time


@pytest.mark.parametrize("raw", [b"not json", b"{}", b'{"specversion":"1.0","id":"x","source":"/s","type":"t"}'])
def test_malformed_envelopes_are_refused(raw: bytes) -> None:
    with pytest.raises(EventFormatError):
        Event.decode(raw)
