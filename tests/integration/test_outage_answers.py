"""Honest answers during outages (issue 14, point 4), on the real PostgreSQL: while a service's database
refuses connections (its own database of the shared server, closed with ALLOW_CONNECTIONS false and its
sessions terminated, as a restart or a fail-over looks to the service), every call is answered 503
problem+json with Retry-After, never 500, nothing is half-kept, and the service works again the moment
the database does; liveness stays up, readiness follows the database but not the bus."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, MetaData, Table, event, func, insert, select

from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.db import PRIVATE_SESSION, Database
from gov_common.errors import install_error_handlers
from gov_common.files import file_store_from_url
from gov_common.messaging import outbox
from gov_common.revocation import RevocationList
from portal_gateway.app import create_app as create_gateway
from portal_gateway.app import migrate as migrate_gateway
from portal_gateway.settings import Settings as GatewaySettings
from service_management.app import create_app, create_runtime, migrate
from service_management.models import Case
from service_management.ports import Ports
from service_management.settings import Settings
from tests.e2e.platform import free_port
from tests.loopback import serving_handler
from tests.service_management.conftest import (
    BUSINESS_FORM,
    ITEM_INSTANT,
    PERSON,
    SM,
    FakeCredit,
    FakeLicences,
    build_sm,
)

RETRY_AFTER = "5"


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def unreachable(admin_url: str, url: str) -> Iterator[None]:
    """The database of `url` refuses new connections and loses its open ones, until the block ends."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_libpq(admin_url), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _unavailable(answer: httpx.Response, code: str = "database_unavailable") -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == RETRY_AFTER
    assert answer.json()["code"] == code


def _cases(sm: SM) -> int:
    with sm.session() as session:
        return int(session.execute(select(func.count()).select_from(Case)).scalar_one())


@pytest.fixture
def pg_url(new_database: Callable[[str], str]) -> str:
    return new_database(f"outage_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def sm(pg_url: str, tmp_path: Path) -> Iterator[SM]:
    yield from build_sm(pg_url, tmp_path)


def test_service_management_answers_503_while_its_database_is_down(pg_admin_url: str, pg_url: str, sm: SM) -> None:
    first = sm.file()
    with unreachable(pg_admin_url, pg_url):
        started = time.monotonic()
        for _ in range(3):  # the pool's connections, each found lost, then new ones refused
            submit = {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}
            _unavailable(sm.client.post("/api/v1/cases", json=submit, headers=sm.person()))
        _unavailable(sm.client.get(f"/api/v1/cases/{first['case_no']}", headers=sm.staff("admin")))
        _unavailable(sm.client.get("/api/v1/cases", headers=sm.person()))
        _unavailable(sm.client.get("/api/v1/items"))
        assert time.monotonic() - started < 15  # refused at once, not after a wait per request
        assert sm.client.get("/healthz").status_code == 200  # alive: nothing to restart
        ready = sm.client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
    # The database is back: the same calls work on the pool's new connections.
    again = sm.file()
    assert sm.case(again["case_no"])["case_no"] == again["case_no"]
    assert sm.client.get("/readyz").status_code == 200
    assert _cases(sm) == 2  # the refused submits kept nothing


rows = Table("outage_rows", MetaData(), Column("id", Integer, primary_key=True))


def test_a_commit_whose_connection_is_lost_is_neither_success_nor_half_kept(pg_admin_url: str, pg_url: str) -> None:
    """The connection ends just as COMMIT is sent: the answer says the outcome is unknown (503,
    commit_unconfirmed); PostgreSQL kept nothing of the transaction."""
    db = Database(pg_url, pool_size=1, max_overflow=0)
    rows.metadata.create_all(db.engine)
    sabotage = threading.Event()

    @event.listens_for(db.engine, "commit")
    def _lose_the_connection(connection: Any) -> None:
        if sabotage.is_set():
            pid = connection.connection.dbapi_connection.info.backend_pid
            with psycopg.connect(_libpq(pg_admin_url), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    app = FastAPI()
    install_error_handlers(app)

    @app.post("/rows/{row}", status_code=201)
    def add(row: int) -> dict[str, int]:
        with db.session() as session:
            session.execute(insert(rows).values(id=row))
            session.execute(insert(rows).values(id=row + 1000))
        return {"id": row}

    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            sabotage.set()
            _unavailable(client.post("/rows/1"), "commit_unconfirmed")
            sabotage.clear()
            assert client.post("/rows/2").status_code == 201
        with db.session() as session:
            assert session.scalars(select(rows.c.id).order_by(rows.c.id)).all() == [2, 1002]
    finally:
        db.dispose()


def test_readiness_does_not_wait_for_a_busy_pool(pg_url: str) -> None:
    """Every pooled connection taken by requests (overload, answered 503 on its own): the database still
    answers, so the process stays ready; the probe asks on a connection of its own."""
    db = Database(pg_url, pool_size=1, max_overflow=0, pool_timeout=30)
    try:
        with db.engine.connect():
            started = time.monotonic()
            assert db.ping() is True
            assert time.monotonic() - started < 15  # not the pool's 30 s wait
    finally:
        db.dispose()


def _gateway_settings(url: str, tmp_path: Path, upstream: str) -> GatewaySettings:
    return GatewaySettings(
        environment="test",
        database_url=url,
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_management_url=upstream,
    )


class _Upstream(BaseHTTPRequestHandler):
    """A service behind the gateway: reads a POST whole and dies without answering (as a service
    killed after its commit would); answers a GET with its own 503 and Retry-After."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.close_connection = True

    def do_GET(self) -> None:
        body = b'{"status":503,"code":"database_unavailable","detail":"x"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Retry-After", "7")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_the_gateway_answers_for_its_database_and_its_upstreams(pg_admin_url: str, pg_url: str, tmp_path: Path) -> None:
    login = {"username": "nobody", "password": "not-a-password"}
    with serving_handler(_Upstream) as upstream:
        settings = _gateway_settings(pg_url, tmp_path, upstream)
        migrate_gateway(settings)
        with TestClient(create_gateway(settings), raise_server_exceptions=False) as client:
            issuer = client.app.state.token_issuer  # type: ignore[attr-defined]
            token = issuer.issue(sub="1", account_type="person", name="张三", id_number=None, roles=[], department=None)
            bearer = {"Authorization": f"Bearer {token}"}
            # The service's own 503 goes through as it is, with its Retry-After.
            passed = client.get("/api/v1/items")
            assert passed.status_code == 503 and passed.headers["retry-after"] == "7"
            # A submit the service may have acted on: not a success, not "send it again".
            lost = client.post("/api/v1/cases", json={"item_code": "x", "form": {}})
            assert lost.status_code == 502 and "retry-after" not in lost.headers, lost.text
            assert lost.json()["code"] == "outcome_unknown"
            with unreachable(pg_admin_url, pg_url):
                # The gateway's own database: the token check (a middleware, before any route) and a log-in.
                _unavailable(client.get("/api/v1/items", headers=bearer))
                _unavailable(client.post("/api/v1/auth/token", data=login))
                assert client.get("/healthz").status_code == 200
            assert client.post("/api/v1/auth/token", data=login).status_code == 401  # answered from the database
    closed = _gateway_settings(pg_url, tmp_path, f"http://127.0.0.1:{free_port()}")
    with TestClient(create_gateway(closed), raise_server_exceptions=False) as client:
        refused = client.post("/api/v1/cases", json={"item_code": "x", "form": {}})
        assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0
        assert refused.headers["content-type"] == "application/problem+json"


def test_ready_while_the_bus_is_unreachable(pg_url: str, tmp_path: Path) -> None:
    """Kafka down (here: a bootstrap address where nothing listens): requests are answered, what is to be
    published waits in the outbox, and /readyz says ready, at once."""
    settings = Settings(
        environment="test",
        database_url=pg_url,
        bus="kafka",
        kafka_bootstrap=f"127.0.0.1:{free_port()}",
        kafka_bootstrap_timeout_seconds=1,
        seed_demo=True,
        run_worker=False,
        supervision_interval_seconds=0,
    )
    migrate(settings)
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    files = file_store_from_url(str(tmp_path / "files"), max_bytes=64 * 1024)
    runtime = create_runtime(
        settings, verifier=verifier, ports=Ports(files=files, credit=FakeCredit(), licences=FakeLicences())
    )
    # The revoked tokens were read before the broker went away (the feed keeps what it read).
    revocations = RevocationList()
    revocations.caught_up.set()
    runtime.share_revocations(revocations)
    for hook in runtime.on_start:  # the catalogue seeded, as start() does before it reaches the bus
        hook()
    runtime.relay.start()  # publishing fails and is retried meanwhile
    try:
        with TestClient(create_app(runtime=runtime, manage_lifespan=False), raise_server_exceptions=False) as client:
            token = issuer.issue(
                sub="p-1", account_type="person", name="张三", id_number=PERSON, roles=[], department=None
            )
            filed = client.post(
                "/api/v1/cases",
                json={"item_code": ITEM_INSTANT, "form": BUSINESS_FORM},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert filed.status_code == 201, filed.text
            started = time.monotonic()
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": True, "revocations": True}
            assert time.monotonic() - started < 2
            assert client.get("/healthz").status_code == 200
        with runtime.db.session() as session:
            waiting = session.execute(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            ).scalar_one()
        assert waiting >= 1  # kept for the broker's return
    finally:
        runtime.relay.stop()
        runtime.bus.close()
        runtime.db.dispose()


def test_a_pooled_connection_is_pinged_only_after_it_was_idle(
    pg_admin_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No `SELECT 1` before each unit of work (SQLAlchemy's pre-ping): a connection given back a moment
    ago is used as it is; one idle for longer than DB_PING_IDLE_SECONDS is checked first, and one found
    lost meanwhile (its session terminated, as a restart does) is replaced without the caller noticing."""
    db = Database(pg_url, pool_size=1, max_overflow=0)
    pings: list[int] = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(1) or real_ping(c))
    clock = [1000.0]
    monkeypatch.setattr("gov_common.db.time.monotonic", lambda: clock[0])

    def backend() -> int:
        with db.session() as session:
            return int(session.execute(select(func.pg_backend_pid())).scalar_one())

    try:
        first = backend()  # a new connection: not pinged
        clock[0] += 0.5
        assert backend() == first and pings == []  # back in the pool half a second ago: not pinged
        clock[0] += 1.5
        assert backend() == first and pings == [1]  # idle 1.5 s: pinged, alive
        with psycopg.connect(_libpq(pg_admin_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        clock[0] += 5
        replaced = backend()  # pinged, found lost, replaced: the unit of work never saw it
        assert replaced != first and pings == [1, 1]
        # A connection whose session was changed for one component (the relay's) and given back
        # unclosed is never handed out again.
        private = db.engine.connect()
        private.info[PRIVATE_SESSION] = True
        private.exec_driver_sql("SET synchronous_commit = off")
        private.close()
        assert backend() != replaced
    finally:
        db.dispose()
