"""The gateway forwards Idempotency-Key, and resends a keyed filing once when the connection ended
without an answer (portal_gateway.routing; docs/operations.md, "During outages")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from gov_common.errors import install_error_handlers
from portal_gateway.routing import UpstreamLimits, forward


def _gateway(handler: Any) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    app.state.upstream_limits = UpstreamLimits(4, 0.5, retry_after=2)

    @app.post("/api/v1/cases")
    async def cases(request: Request) -> Response:
        return await forward(request, "service-management", "http://sm.invalid", "/api/v1/cases")

    @app.post("/api/v1/intake/cases/{case_no}/accept")
    async def accept(request: Request, case_no: str) -> Response:
        return await forward(
            request, "service-management", "http://sm.invalid", f"/api/v1/intake/cases/{case_no}/accept"
        )

    return app


def _lost_once() -> tuple[list[httpx.Request], Any]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(201, json={"case_no": "C1", "status": "accepted"})

    return seen, handler


def test_a_keyed_filing_whose_answer_was_lost_is_sent_once_more() -> None:
    seen, handler = _lost_once()
    with TestClient(_gateway(handler), raise_server_exceptions=False) as client:
        answer = client.post("/api/v1/cases", json={"item_code": "x"}, headers={"Idempotency-Key": "k-1"})
    assert answer.status_code == 201 and answer.json()["case_no"] == "C1"
    assert [r.headers["idempotency-key"] for r in seen] == ["k-1", "k-1"]
    assert seen[0].content == seen[1].content


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/cases", {}),  # no key: the client cannot resend safely either
        ("/api/v1/intake/cases/C1/accept", {"Idempotency-Key": "k-1"}),  # a path that does not honour it
    ],
)
def test_without_a_key_the_gateway_does_not_resend(path: str, headers: dict[str, str]) -> None:
    seen, handler = _lost_once()
    with TestClient(_gateway(handler), raise_server_exceptions=False) as client:
        answer = client.post(path, json={}, headers=headers)
    assert answer.status_code == 502 and answer.json()["code"] == "outcome_unknown"
    assert len(seen) == 1


def test_a_resend_that_is_lost_too_is_an_unknown_outcome_and_a_timeout_is_not_resent() -> None:
    for failure, status, sends in (
        (httpx.RemoteProtocolError("Server disconnected"), 502, 2),
        (httpx.ReadTimeout("timed out"), 504, 1),
    ):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request, failure: Exception = failure, seen: list[Any] = seen) -> httpx.Response:
            seen.append(request)
            raise failure

        with TestClient(_gateway(handler), raise_server_exceptions=False) as client:
            answer = client.post("/api/v1/cases", json={}, headers={"Idempotency-Key": "k-1"})
        assert answer.status_code == status and answer.json()["code"] == "outcome_unknown"
        assert len(seen) == sends
