"""Above what a service behind it can carry, the gateway sheds load (issue 13): the requests beyond
`upstream_max_in_flight` to one service wait at most `upstream_queue_seconds`, then get a quick 503
problem with Retry-After — never a hang as long as the gateway's timeout, never a 500 — while the
other services stay reachable, and it recovers by itself once the burst is over. Real servers on
loopback: the gateway, a service-management that holds every request until the test lets it go, a
quick data-sharing. (`tests/unit/test_admission_limit.py` times the wait itself.)"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from portal_gateway.app import migrate
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone
from tests.loopback import serving

IN_FLIGHT = 3
QUEUE_SECONDS = 0.3
GATEWAY_TIMEOUT_SECONDS = 40.0
HELD_AT_MOST_SECONDS = 30.0


def _held_service_management(release: threading.Event) -> FastAPI:
    """Answers a filing only once `release` is set (or after HELD_AT_MOST_SECONDS), so that every
    place the gateway gives this service stays taken for as long as the test needs."""
    app = FastAPI()

    @app.post("/api/v1/cases")
    async def file_case() -> JSONResponse:
        held_until = time.monotonic() + HELD_AT_MOST_SECONDS
        while not release.is_set() and time.monotonic() < held_until:
            await asyncio.sleep(0.02)
        return JSONResponse({"case_no": "C1"}, status_code=201)

    return app


def _quick_data_sharing() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/catalogue/resources")
    async def catalogue() -> list[dict[str, Any]]:
        return []

    @app.get("/api/v1/catalogue/resources/busy")
    async def busy() -> JSONResponse:
        problem = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "code": "busy"}
        return JSONResponse(
            problem, status_code=503, headers={"Retry-After": "3"}, media_type="application/problem+json"
        )

    return app


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # nothing left held when the servers stop


@pytest.fixture
def gateway(tmp_path: Path, release: threading.Event) -> Iterator[str]:
    with serving(_held_service_management(release)) as sm, serving(_quick_data_sharing()) as ds:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'gw.db'}",
            bus="local",
            local_bus_path=str(tmp_path / "bus.db"),
            seed_demo=False,
            token_signing_key_path=str(tmp_path / "token.pem"),
            service_management_url=sm,
            data_sharing_url=ds,
            upstream_max_in_flight=IN_FLIGHT,
            upstream_queue_seconds=QUEUE_SECONDS,
            http_timeout_seconds=GATEWAY_TIMEOUT_SECONDS,
        )
        migrate(settings)
        with serving(gateway_alone(settings)) as url:
            yield url


async def _timed(client: httpx.AsyncClient, method: str, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    kwargs: dict[str, Any] = {"json": {"item_code": "x", "form": {}}} if method == "POST" else {}
    response = await client.request(method, path, **kwargs)
    return response, time.monotonic() - started


def test_the_excess_gets_a_quick_503_with_retry_after_and_the_gateway_recovers(
    gateway: str, release: threading.Event
) -> None:
    # The places stay taken until every refusal has come back: a gateway that waited for a place
    # would have no answer to give before `release`, and one that waited as long as its timeout
    # would not answer within half of it. (A timed bound on a busy machine failed CI once at 5.3 s.)
    async def burst() -> tuple[list[tuple[httpx.Response, float]], int, tuple[httpx.Response, float]]:
        async with httpx.AsyncClient(base_url=gateway, timeout=2 * GATEWAY_TIMEOUT_SECONDS) as client:
            filed = [asyncio.create_task(_timed(client, "POST", "/api/v1/cases")) for _ in range(4 * IN_FLIGHT)]
            await asyncio.sleep(QUEUE_SECONDS / 2)
            # Meanwhile another service, not saturated, answers as usual.
            other = await _timed(client, "GET", "/api/v1/catalogue/resources")
            give_up = started + GATEWAY_TIMEOUT_SECONDS / 2
            while sum(task.done() for task in filed) < 3 * IN_FLIGHT and time.monotonic() < give_up:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)  # one more answer now would be one too many
            answered_while_held = sum(task.done() for task in filed)
            release.set()
            return list(await asyncio.gather(*filed)), answered_while_held, other

    started = time.monotonic()
    answers, answered_while_held, other = asyncio.run(burst())
    statuses = sorted(response.status_code for response, _ in answers)
    assert statuses == [201] * IN_FLIGHT + [503] * (3 * IN_FLIGHT), statuses
    assert answered_while_held == 3 * IN_FLIGHT, f"{answered_while_held} answered while every place was taken"
    for response, seconds in answers:
        if response.status_code == 503:
            assert seconds < GATEWAY_TIMEOUT_SECONDS / 2, f"refused only after {seconds:.2f} s"
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.headers["retry-after"] == "2"
            problem = response.json()
            assert problem["code"] == "overloaded" and problem["retry_after"] == 2
            assert "系统繁忙" in problem["detail"]
    assert other[0].status_code == 200 and other[1] < GATEWAY_TIMEOUT_SECONDS / 2, other

    # The burst is over: the next one is served as usual.
    async def after() -> tuple[httpx.Response, float]:
        async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
            return await _timed(client, "POST", "/api/v1/cases")

    response, _ = asyncio.run(after())
    assert response.status_code == 201, response.text


def test_a_services_own_503_reaches_the_client_with_its_retry_after(gateway: str) -> None:
    # The standalone platform's services answer 503 busy (their writer or their threads are taken);
    # a client of the gateway must learn when to come back, not only that it failed.
    response = httpx.get(gateway + "/api/v1/catalogue/resources/busy", timeout=10)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "3"
    assert response.json()["code"] == "busy"
