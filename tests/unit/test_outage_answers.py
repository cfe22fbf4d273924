"""Honest answers during outages (issue 14, point 4), with fakes: which database errors are an outage
(503 with Retry-After), a conflict (409) or a fault (500); a commit whose connection was lost is never a
success; the gateway answers a request that changes something and got no answer with "outcome
unknown", not with an invitation to send it again. The same on real PostgreSQL:
tests/integration/test_outage_answers.py."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, MetaData, Table, event, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from gov_common.db import (
    BUSY,
    CONFLICT,
    DB_CONNECT_TIMEOUT_SECONDS,
    UNAVAILABLE,
    CommitUnconfirmed,
    Database,
    database_failure,
)
from gov_common.errors import install_error_handlers
from gov_common.http import DEFAULT_CONNECT_TIMEOUT_SECONDS, RetryOnFreshConnection, async_client
from gov_standalone.guards import install_busy_handlers
from portal_gateway.routing import UpstreamLimits, forward


def _wrapped(original: Exception) -> DBAPIError:
    """As SQLAlchemy raises a driver's error."""
    return OperationalError("SELECT 1", {}, original)


@pytest.mark.parametrize(
    ("original", "kind"),
    [
        (psycopg.OperationalError("connection failed: Connection refused"), UNAVAILABLE),
        (psycopg.OperationalError('FATAL: database "x" is not currently accepting connections'), UNAVAILABLE),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), UNAVAILABLE),
        (psycopg.errors.TooManyConnections("sorry, too many clients already"), UNAVAILABLE),
        (psycopg.InterfaceError("the connection is closed"), UNAVAILABLE),
        (psycopg.errors.SerializationFailure("could not serialize access"), CONFLICT),
        (psycopg.errors.DeadlockDetected("deadlock detected"), CONFLICT),
        (psycopg.errors.UndefinedTable('relation "x" does not exist'), None),
        (psycopg.errors.DivisionByZero("division by zero"), None),
        (sqlite3.OperationalError("database is locked"), BUSY),
        (sqlite3.OperationalError("disk I/O error"), UNAVAILABLE),
        (sqlite3.OperationalError("no such table: cases"), None),
    ],
)
def test_what_a_database_error_means(original: Exception, kind: str | None) -> None:
    assert database_failure(original) == kind
    assert database_failure(_wrapped(original)) == kind


def test_a_connection_sqlalchemy_found_lost_is_an_outage() -> None:
    lost = DBAPIError("SELECT 1", {}, psycopg.Error("server closed the connection"), connection_invalidated=True)
    assert database_failure(lost) == UNAVAILABLE
    assert database_failure(ValueError("not the database")) is None


def _raising(exc: BaseException) -> Any:
    def endpoint() -> None:
        raise exc

    return endpoint


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    refused = psycopg.OperationalError("connection failed: Connection refused")
    app.get("/down")(_raising(OperationalError("SELECT 1", {}, refused)))
    app.get("/unconfirmed")(_raising(CommitUnconfirmed("lost during COMMIT")))
    app.get("/deadlock")(_raising(OperationalError("UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock"))))
    app.get("/collision")(_raising(IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate"))))
    app.get("/fault")(_raising(ProgrammingError("SELECT", {}, psycopg.errors.UndefinedTable("no table"))))

    class DatabaseInMiddleware(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            if request.url.path == "/checked":  # like the gateway's token check, outside the routes
                raise OperationalError("SELECT", {}, refused)
            return await call_next(request)

    app.add_middleware(DatabaseInMiddleware)
    return app


def test_an_unreachable_database_is_a_503_with_retry_after(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/down", "/checked"):
            answer = client.get(path)
            assert answer.status_code == 503, (path, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["retry-after"] == "5"
            body = answer.json()
            assert body["code"] == "database_unavailable" and body["retry_after"] == 5
            assert "数据库" in body["detail"]


def test_a_commit_that_may_have_been_applied_is_a_503_that_says_so(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/unconfirmed")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.json()["code"] == "commit_unconfirmed" and "请先查看结果" in answer.json()["detail"]


def test_a_lost_race_is_a_409_and_a_faulty_statement_still_a_500(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/deadlock").json()["code"] == "concurrent_change"
        assert client.get("/collision").json()["code"] == "concurrent_change"
        fault = client.get("/fault")
    assert fault.status_code == 500 and "retry-after" not in fault.headers


rows = Table("rows", MetaData(), Column("id", Integer, primary_key=True))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'unit.db'}")
    rows.metadata.create_all(database.engine)
    try:
        yield database
    finally:
        database.dispose()


def test_a_connection_lost_during_commit_is_never_a_success(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def lost(_connection: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db.engine.dialect, "do_commit", lost)
    with pytest.raises(CommitUnconfirmed), db.session() as session:
        session.execute(insert(rows).values(id=1))


def test_a_failure_before_commit_is_the_error_itself(db: Database) -> None:
    """Up to COMMIT nothing can have been kept: the error is answered for what it is."""
    with db.session() as session:
        session.execute(insert(rows).values(id=1))
    with pytest.raises(IntegrityError), db.session() as session:
        session.execute(insert(rows).values(id=1))
    with db.session() as session:
        assert session.scalars(select(rows.c.id)).all() == [1]


def test_the_shared_client_connects_within_a_short_timeout() -> None:
    client = async_client(10.0)
    assert client.timeout.connect == DEFAULT_CONNECT_TIMEOUT_SECONDS == 3.0
    assert client.timeout.read == 10.0
    assert async_client(1.0).timeout.connect == 1.0  # never longer than the whole timeout


def _gateway(handler: Any) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    app.state.upstream_limits = UpstreamLimits(4, 0.5, retry_after=2)

    @app.api_route("/api/v1/cases", methods=["GET", "POST"])
    async def cases(request: Request) -> Response:
        return await forward(request, "service-management", "http://sm.invalid", "/api/v1/cases")

    return app


@pytest.mark.parametrize(
    ("failure", "status"),
    [(httpx.ReadTimeout("timed out"), 504), (httpx.RemoteProtocolError("Server disconnected"), 502)],
)
def test_a_change_sent_whole_without_an_answer_is_an_unknown_outcome(failure: Exception, status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    with TestClient(_gateway(handler), raise_server_exceptions=False) as client:
        posted = client.post("/api/v1/cases", json={"item_code": "x"})
        read = client.get("/api/v1/cases")
    assert posted.status_code == status and "retry-after" not in posted.headers
    assert posted.headers["content-type"] == "application/problem+json"
    assert posted.json()["code"] == "outcome_unknown" and posted.json()["service"] == "service-management"
    # A read may be asked again: the service is unavailable for now.
    assert read.status_code == 503 and int(read.headers["retry-after"]) > 0


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("timed out")])
def test_a_change_that_never_reached_the_service_may_be_sent_again(failure: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    with TestClient(_gateway(handler), raise_server_exceptions=False) as client:
        posted = client.post("/api/v1/cases", json={"item_code": "x"})
    assert posted.status_code == 503 and int(posted.headers["retry-after"]) > 0
    assert posted.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("message", "status", "code"),
    [
        ("database is locked", 503, "busy"),
        ("disk I/O error", 503, "database_unavailable"),
        ("no such table: cases", 500, None),
    ],
)
def test_the_standalone_platform_answers_its_sqlite_files_the_same(message: str, status: int, code: str | None) -> None:
    app = FastAPI()
    install_error_handlers(app)
    install_busy_handlers(app)  # the standalone launcher's, over the common ones
    app.get("/write")(_raising(OperationalError("INSERT", {}, sqlite3.OperationalError(message))))
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/write")
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json().get("code") == code
    assert ("retry-after" in answer.headers) == (status == 503)


class _Stop(Exception):
    pass


@pytest.mark.parametrize(
    ("url", "timeout"),
    [
        ("postgresql+psycopg://u@db.invalid/x", DB_CONNECT_TIMEOUT_SECONDS),
        ("postgresql+psycopg://u@db.invalid/x?connect_timeout=10", "10"),  # the URL's own
    ],
)
def test_a_postgresql_connection_opens_within_a_short_timeout(url: str, timeout: object) -> None:
    database = Database(url)
    seen: dict[str, Any] = {}

    def capture(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        seen.update(params)
        raise _Stop

    for engine in (database.engine, database._probe_engine()):  # requests' pool, and readiness's
        seen.clear()
        event.listen(engine, "do_connect", capture)
        with pytest.raises(_Stop):
            engine.connect()
        assert seen["connect_timeout"] == timeout
    assert DB_CONNECT_TIMEOUT_SECONDS == 3


class _Failing(httpx.AsyncBaseTransport):
    def __init__(self, failure: Exception) -> None:
        self.failure = failure
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        raise self.failure


@pytest.mark.parametrize(("method", "answered"), [("POST", httpx.RemoteProtocolError), ("GET", httpx.ConnectError)])
def test_a_change_whose_second_try_finds_the_service_gone_is_an_unknown_outcome(
    method: str, answered: type[Exception]
) -> None:
    """A reused connection ends without a byte (an idle connection closed, or a server killed after its
    commit), and the fresh connection of the one retry is refused (the service is down): for a POST the
    first failure is what is known, so the gateway says "outcome unknown", not "send it again"."""
    pooled = _Failing(httpx.RemoteProtocolError("Server disconnected without sending a response."))
    fresh = _Failing(httpx.ConnectError("All connection attempts failed"))
    client = httpx.AsyncClient(transport=RetryOnFreshConnection(pooled, fresh))

    async def send() -> None:
        async with client:
            await client.request(method, "http://sm.invalid/api/v1/cases", content=b"{}")

    with pytest.raises(answered):
        asyncio.run(send())
    assert (pooled.sent, fresh.sent) == (1, 1)
