"""gov_standalone.guards: a SQLite writer that stays taken, or no free connection, is a quick 503 with
Retry-After, never a 500 or a hang; a service takes at most its share of the worker threads."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gov_common.db import SQLITE_WRITER_WAIT, Database, sqlite_writer_wait
from gov_common.errors import PROBLEM_JSON, install_error_handlers
from gov_standalone import guards
from gov_standalone.guards import Bulkhead, install_busy_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_busy_handlers(app)

    @app.get("/locked")
    def locked() -> None:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    @app.get("/broken")
    def broken() -> None:
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: cases"))

    @app.get("/no-connection")
    def no_connection() -> None:
        raise PoolTimeout("QueuePool limit of size 20 overflow 50 reached")

    return app


def test_a_writer_that_stayed_taken_is_503_with_retry_after() -> None:
    response = TestClient(_app()).get("/locked")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == str(guards.RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "busy"


def test_no_free_connection_is_503_with_retry_after() -> None:
    response = TestClient(_app()).get("/no-connection")
    assert response.status_code == 503 and "retry-after" in response.headers


def test_another_database_error_stays_a_500() -> None:
    response = TestClient(_app(), raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500


def test_a_request_through_the_bulkhead_waits_for_a_writer_at_most_the_request_wait(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'bulkhead.db'}")
    with db.session() as session:
        session.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY)"))
    app = FastAPI()
    install_error_handlers(app)
    install_busy_handlers(app)
    seen: list[float] = []

    @app.post("/rows")
    def add() -> None:
        seen.append(SQLITE_WRITER_WAIT.get())
        with db.session() as session:
            session.execute(text("INSERT INTO rows DEFAULT VALUES"))

    held = threading.Event()
    done = threading.Event()

    def hold() -> None:
        with sqlite_writer_wait(5), db.session() as session:
            session.execute(text("INSERT INTO rows DEFAULT VALUES"))
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    try:
        client = TestClient(Bulkhead(app, name="svc", limit=None))
        guards_wait = guards.REQUEST_WRITER_WAIT_SECONDS
        begun = time.monotonic()
        response = client.post("/rows")
        assert response.status_code == 503 and "retry-after" in response.headers
        assert time.monotonic() - begun < guards_wait + 2  # not the workers' 30 s
        assert seen == [guards_wait]
    finally:
        done.set()
        holder.join()
    db.dispose()


def test_a_service_beyond_its_share_answers_503_and_the_others_still_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guards, "ADMISSION_WAIT_SECONDS", 0.2)
    release = asyncio.Event()

    async def slow(scope: object, receive: object, send: object) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"done"})  # type: ignore[operator]

    bulkhead = Bulkhead(slow, name="service-management", limit=1)

    async def scenario() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=bulkhead)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            first = asyncio.create_task(client.get("/"))
            await asyncio.sleep(0.05)
            second = await client.get("/")
            assert second.headers["retry-after"] == str(guards.RETRY_AFTER_SECONDS)
            assert "事项管理服务繁忙" in second.json()["detail"]
            release.set()
            return (await first).status_code, second.status_code

    assert asyncio.run(scenario()) == (200, 503)
