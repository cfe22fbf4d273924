"""Every service's API admits at most `max_concurrent_requests` at once (gov_common.load_shedding):
beyond, after a short wait, a quick 503 problem with Retry-After instead of a queue in the thread pool;
probes are never refused. A real uvicorn server on loopback with a slow sync endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from gov_common.errors import install_error_handlers
from gov_common.load_shedding import AdmissionLimit
from tests.loopback import serving

LIMIT = 2


@pytest.fixture
def service() -> Iterator[str]:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(AdmissionLimit, limit=LIMIT, wait_seconds=0.2, retry_after=3)

    @app.get("/work")
    def work() -> dict[str, str]:
        time.sleep(2.5)  # a sync endpoint: one of Starlette's threads
        return {"done": "yes"}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    with serving(app) as url:
        yield url


def test_beyond_the_limit_a_quick_503_and_probes_still_answer(service: str) -> None:
    async def burst() -> tuple[list[tuple[int, float, httpx.Response]], httpx.Response]:
        async with httpx.AsyncClient(base_url=service, timeout=10) as client:

            async def one() -> tuple[int, float, httpx.Response]:
                started = time.monotonic()
                response = await client.get("/work")
                return response.status_code, time.monotonic() - started, response

            tasks = [asyncio.create_task(one()) for _ in range(4 * LIMIT)]
            await asyncio.sleep(0.1)
            probe = await client.get("/healthz")
            return list(await asyncio.gather(*tasks)), probe

    answers, probe = asyncio.run(burst())
    assert probe.status_code == 200
    assert sorted(status for status, _, _ in answers) == [200] * LIMIT + [503] * (3 * LIMIT)
    for status, seconds, response in answers:
        if status == 503:
            assert seconds < 2.0, seconds  # refused before any admitted one was done
            assert response.headers["retry-after"] == "3"
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "overloaded"

    async def after() -> int:
        async with httpx.AsyncClient(base_url=service, timeout=10) as client:
            return (await client.get("/work")).status_code

    assert asyncio.run(after()) == 200
