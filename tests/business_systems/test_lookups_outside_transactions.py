"""A dispatched case's registry look-ups (data-sharing's geography registry, over HTTP) are made in the
consumer's prepare stage: no database connection is held, let alone a transaction, while data-sharing
answers. What they found is stored with the work item as before, and an unreachable registry is still
a finding that sends the case to people."""

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
        if "/divisions/330122" in self.path:
            self._answer(200, {"code": "330122", "name": "示范县", "level": "county", "parent_code": "330100"})
        else:
            self._answer(404, {"title": "Not Found"})

    def log_message(self, *_: object) -> None:
        return None


@pytest.fixture
def data_sharing() -> Iterator[str]:
    _DataSharing.held_while_asked = []
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


def test_an_unreachable_registry_is_still_a_finding_for_people(amr: Department) -> None:
    amr.runtime.settings.data_sharing_url = "http://127.0.0.1:9"  # type: ignore[attr-defined]  # nothing listens
    case = dispatched(
        item_code=ITEM_BUSINESS, instant=True, credit=CLEAN, form={**BUSINESS_FORM, "business_division_code": "330122"}
    )
    _deliver(amr, case)
    work = _work(amr, case.subject)
    assert work["status"] == "pending"
    assert [f["code"] for f in work["findings"]] == ["registry_unavailable"]
