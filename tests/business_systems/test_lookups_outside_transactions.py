"""A dispatched case's registry look-ups (data-sharing's geography registry, over HTTP) are made in the
consumer's prepare stage: no database connection is held, let alone a transaction, while data-sharing
answers. What they found is stored with the work item as before. A registry that cannot answer now is
no finding: the arrival is retried until it answers (issue 14: an outage never changes a decision),
and a value the registry refuses as malformed is a finding about the input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from gov_common.bus.base import Message
from gov_common.events import Event, Topics
from gov_common.messaging import TYPE_HEADER
from gov_common.service import ServiceRuntime
from tests.business_systems.support import (
    BUSINESS_FORM,
    ITEM_BUSINESS,
    Department,
    Tokens,
    build_department,
    dispatched,
)
from tests.loopback import serving_handler


class _DataSharing(BaseHTTPRequestHandler):
    """Data-sharing's token and division endpoints; notes how many database connections the business
    system held at the moment each division was asked for."""

    protocol_version = "HTTP/1.1"
    runtime: ClassVar[ServiceRuntime | None] = None
    held_while_asked: ClassVar[list[int]] = []
    outage_left: ClassVar[int] = 0  # the next division look-ups answered 503

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(200, {"access_token": "t", "expires_in": 3600})

    def do_GET(self) -> None:
        runtime = type(self).runtime
        assert runtime is not None
        type(self).held_while_asked.append(runtime.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        if type(self).outage_left > 0:
            type(self).outage_left -= 1
            self._answer(503, {"title": "Service Unavailable", "status": 503, "detail": "database unreachable"})
        elif "/divisions/0" in self.path:  # as data-sharing answers a code that is not GB/T 2260's
            error = {"field": "code", "code": "invalid", "message": "a division code has 6 digits (GB/T 2260)"}
            self._answer(422, {"title": "Unprocessable Content", "status": 422, "errors": [error]})
        elif "/divisions/330122" in self.path:
            self._answer(200, {"code": "330122", "name": "示范县", "level": "county", "parent_code": "330100"})
        else:
            self._answer(404, {"title": "Not Found"})

    def log_message(self, *_: object) -> None:
        return None


@pytest.fixture
def data_sharing() -> Iterator[str]:
    _DataSharing.held_while_asked = []
    _DataSharing.outage_left = 0
    with serving_handler(_DataSharing) as url:
        yield url


@pytest.fixture
def amr(tmp_path: Path, tokens: Tokens, data_sharing: str) -> Iterator[Department]:
    for department in build_department(
        tmp_path,
        tokens,
        code="amr",
        data_sharing_url=data_sharing,
        token_url=f"{data_sharing}/token",
        service_client_secret="secret-of-amr",
        consumer_retry_backoff_seconds=0.01,
    ):
        _DataSharing.runtime = department.runtime
        yield department
    _DataSharing.runtime = None


CLEAN = {"black_listed": False, "red_listed": False}


def _deliver(amr: Department, *events: Event) -> None:
    """Through the department's own consumer, as one poll batch."""
    consumer = amr.runtime.consumer
    assert consumer is not None
    consumer.handle_batch(
        [Message(Topics.CASE, 0, n, e.subject, e.encode(), {TYPE_HEADER: e.type}) for n, e in enumerate(events)]
    )


def _work(amr: Department, case_no: str) -> dict[str, Any]:
    response = amr.client.get(f"/api/v1/work-items/{case_no}", headers=amr.as_("reviewer"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_registry_look_ups_are_made_before_the_transaction_and_their_findings_kept(amr: Department) -> None:
    known = dispatched(
        item_code=ITEM_BUSINESS, instant=True, credit=CLEAN, form={**BUSINESS_FORM, "business_division_code": "330122"}
    )
    unknown = dispatched(
        item_code=ITEM_BUSINESS, instant=True, credit=CLEAN, form={**BUSINESS_FORM, "business_division_code": "999999"}
    )
    _deliver(amr, known, unknown)

    assert len(_DataSharing.held_while_asked) == 2
    assert _DataSharing.held_while_asked == [0, 0], "a database connection was held while data-sharing was asked"
    approved = _work(amr, known.subject)
    assert approved["status"] == "approved" and approved["findings"] == []
    held = _work(amr, unknown.subject)
    assert held["status"] == "pending"
    assert [(f["code"], f["field"]) for f in held["findings"]] == [("division_unknown", "form.business_division_code")]


def _dead_letters(amr: Department) -> list[Message]:
    reader = amr.runtime.bus.consumer("test-dead-letters", [Topics.dead_letter(Topics.CASE)])
    try:
        return reader.poll(0.1)
    finally:
        reader.close()


def test_an_outage_of_the_registry_is_waited_out_and_the_case_approved_instantly(amr: Department) -> None:
    """data-sharing answers 503 twice: the arrival is retried (nothing stored meanwhile), then the case
    is decided as it would have been without the outage; today's code sent it to people with a
    `registry_unavailable` finding (blocked_by_findings)."""
    _DataSharing.outage_left = 2
    case = dispatched(
        item_code=ITEM_BUSINESS, instant=True, credit=CLEAN, form={**BUSINESS_FORM, "business_division_code": "330122"}
    )
    _deliver(amr, case)
    assert len(_DataSharing.held_while_asked) == 3 and _DataSharing.outage_left == 0
    work = _work(amr, case.subject)
    assert work["status"] == "approved" and work["automated"] is True and work["findings"] == []
    assert "blocked_by_findings" not in work["rule_output"]
    assert _dead_letters(amr) == []


def test_a_division_code_the_registry_refuses_is_a_finding_about_that_field(amr: Department) -> None:
    """data-sharing answers 422 for 030122 (no GB/T 2260 code starts with 0): the case goes to people
    with a finding that names the form field, not one saying the registry was unavailable."""
    case = dispatched(
        item_code=ITEM_BUSINESS, instant=True, credit=CLEAN, form={**BUSINESS_FORM, "business_division_code": "030122"}
    )
    _deliver(amr, case)
    work = _work(amr, case.subject)
    assert work["status"] == "pending" and work["rule_output"]["blocked_by_findings"] is True
    [finding] = work["findings"]
    assert (finding["kind"], finding["code"], finding["field"], finding["blocking"]) == (
        "registry",
        "division_code_invalid",
        "form.business_division_code",
        True,
    )
    assert finding["message"].startswith("经营场所行政区划代码格式不正确")
