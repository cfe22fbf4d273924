"""A service whose database connections are all busy answers 503 with Retry-After once
`db_pool_timeout_seconds` has passed (issue 13), not a 500 and not a wait of SQLAlchemy's default 30 s.
Real PostgreSQL, a pool of one connection, a real uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from gov_common.db import Database
from gov_common.errors import install_error_handlers
from gov_common.settings import ServiceSettings
from tests.loopback import serving


@pytest.fixture
def service(new_database: Callable[[str], str]) -> Iterator[str]:
    db = Database(new_database("pool"), pool_size=1, max_overflow=0, pool_timeout=0.3)
    app = FastAPI()
    install_error_handlers(app)

    def session() -> Iterator[Session]:
        with db.session() as opened:
            yield opened

    @app.get("/slow")
    def slow(opened: Session = Depends(session)) -> dict[str, Any]:  # noqa: B008 - a local dependency
        opened.execute(text("SELECT pg_sleep(3)"))
        return {"done": True}

    try:
        with serving(app) as url:
            yield url
    finally:
        db.dispose()


def test_no_free_connection_is_a_quick_503_with_retry_after(service: str) -> None:
    async def burst() -> list[tuple[httpx.Response, float]]:
        async with httpx.AsyncClient(base_url=service, timeout=10) as client:

            async def one() -> tuple[httpx.Response, float]:
                started = time.monotonic()
                return await client.get("/slow"), time.monotonic() - started

            return list(await asyncio.gather(*(one() for _ in range(3))))

    answers = asyncio.run(burst())
    assert sorted(r.status_code for r, _ in answers) == [200, 503, 503]
    for response, seconds in answers:
        if response.status_code == 503:
            assert seconds < 2.0, seconds  # not after the connection came free
            assert response.headers["retry-after"] == "2"
            assert response.json()["code"] == "overloaded"


def test_the_pool_settings_reach_the_engine() -> None:
    settings = ServiceSettings(db_pool_size=3, db_max_overflow=4, db_pool_timeout_seconds=1.5)
    db = Database(
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    pool: Any = db.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 4, 1.5)
