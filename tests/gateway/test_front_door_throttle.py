"""Throttling at the front door (docs/identity.md), through the real gateway on SQLite and on
PostgreSQL: registration and token requests per address, the public licence verification with its
misses, limits per account for other modules, shared by every replica on the same database, and
free again once the window has passed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gov_common.db import Database, utcnow
from gov_common.errors import TooManyRequests
from portal_gateway.app import migrate
from portal_gateway.models import RateLimitHit
from portal_gateway.ratelimit import RateLimiter, rate_limited
from portal_gateway.settings import RateLimit, Settings
from tests.gateway.registry_fake import gateway_alone
from tests.service_management.e2e_helpers import fresh_id_number

OTHER_ADDRESS = ("203.0.113.7", 50000)
SERVICE_SECRET = "s3cret-value"
REAL_LICENSE = "LIC-2026-000001"
REAL_CASE, REAL_LAST6 = "202612050000000001", "31002X"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gw.db'}"
    new_database: Callable[[str], str] = request.getfixturevalue("new_database")
    return new_database(f"gw_rate_{uuid.uuid4().hex[:6]}")


@pytest.fixture
def gateway_factory(database_url: str, tmp_path: Path) -> Iterator[Callable[..., FastAPI]]:
    """Gateway apps (replicas) on one database, with the given settings over small defaults."""
    base: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "bus": "local",
        "local_bus_path": str(tmp_path / "bus.db"),
        "seed_demo": False,
        "token_signing_key_path": str(tmp_path / "token.pem"),
        "service_clients": {"data-sharing": SERVICE_SECRET},
        "data_sharing_url": "http://data-sharing.test",
    }
    migrate(Settings(**base))

    def make(**settings: Any) -> FastAPI:
        # The registry behind the identity port knows nobody: registrations open as unlisted.
        app = gateway_alone(Settings(**(base | settings)))
        # data-sharing's licence library, faked at the transport: one licence exists.
        app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(_data_sharing))
        return app

    yield make


def _data_sharing(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/api/v1/case-progress"):  # service-management's look-up: one case
        asked = json.loads(request.content)
        if (asked.get("case_no"), asked.get("id_last6")) == (REAL_CASE, REAL_LAST6):
            return httpx.Response(200, json={"case_no": REAL_CASE, "status": "accepted"})
        return httpx.Response(404, json={"status": 404, "code": "case_progress_not_found"})
    if request.url.path.startswith(f"/api/v1/licenses/{REAL_LICENSE}/"):
        if request.url.path.endswith("/verify"):
            return httpx.Response(200, json={"license_no": REAL_LICENSE, "valid": True})
        return httpx.Response(200, content=b"<svg/>", headers={"content-type": "image/svg+xml"})
    return httpx.Response(404, json={"status": 404, "code": "not_found"}, headers={"content-type": "application/json"})


def _assert_rate_limited(response: httpx.Response, bucket: str, *, window_seconds: int) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "rate_limited" and body["bucket"] == bucket, body
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window_seconds and body["retry_after"] == retry_after
    return retry_after


def _register(client: TestClient) -> httpx.Response:
    body = {"account_type": "person", "id_number": fresh_id_number(), "name": "王试", "phone": "13800000000"}
    return client.post("/api/v1/auth/register", json=body | {"password": "secret-123456"})


def _token(client: TestClient, username: str, password: str = "wrong-password") -> httpx.Response:  # noqa: S107
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_registrations_beyond_the_limit_from_one_address_are_refused(gateway_factory: Callable[..., FastAPI]) -> None:
    app = gateway_factory(rate_registration=RateLimit(limit=3, window_seconds=3600))
    with TestClient(app) as client, TestClient(app, client=OTHER_ADDRESS) as other:
        assert [_register(client).status_code for _ in range(3)] == [201] * 3
        _assert_rate_limited(_register(client), "registration", window_seconds=3600)
        # A malformed registration is refused too: it counts as an attempt, before anything is read.
        _assert_rate_limited(client.post("/api/v1/auth/register", json={}), "registration", window_seconds=3600)
        assert _register(other).status_code == 201


def test_token_requests_from_one_address_are_limited_whatever_the_names(
    gateway_factory: Callable[..., FastAPI],
) -> None:
    app = gateway_factory(rate_token=RateLimit(limit=6, window_seconds=60))
    with TestClient(app) as client, TestClient(app, client=OTHER_ADDRESS) as other:
        # Different names every time (so the failed-login throttle of one name never fires) and both grants.
        assert [_token(client, f"nobody-{n}").status_code for n in range(4)] == [401] * 4
        grant = {"grant_type": "client_credentials"}
        assert client.post("/api/v1/auth/token", data=grant, auth=("data-sharing", "wrong")).status_code == 401
        assert client.post("/api/v1/auth/token", data=grant, auth=("data-sharing", SERVICE_SECRET)).status_code == 200
        # Refused before the secret is checked: the right one gets no token either.
        _assert_rate_limited(_token(client, "nobody-9"), "token", window_seconds=60)
        refused = client.post("/api/v1/auth/token", data=grant, auth=("data-sharing", SERVICE_SECRET))
        _assert_rate_limited(refused, "token", window_seconds=60)
        # Another address is not affected.
        assert other.post("/api/v1/auth/token", data=grant, auth=("data-sharing", SERVICE_SECRET)).status_code == 200


def test_replicas_on_one_database_share_the_counts(gateway_factory: Callable[..., FastAPI]) -> None:
    limits = {"rate_token": RateLimit(limit=4, window_seconds=60)}
    with TestClient(gateway_factory(**limits)) as first, TestClient(gateway_factory(**limits)) as second:
        assert [_token(replica, f"nobody-{n}").status_code for n, replica in enumerate([first, second] * 2)] == [
            401
        ] * 4
        _assert_rate_limited(_token(first, "nobody-5"), "token", window_seconds=60)
        _assert_rate_limited(_token(second, "nobody-6"), "token", window_seconds=60)


def test_concurrent_requests_never_take_more_than_the_limit(gateway_factory: Callable[..., FastAPI]) -> None:
    app = gateway_factory()
    limiter: RateLimiter = app.state.rate_limiter

    def attempt(_: int) -> bool:
        try:
            limiter.hit("token", "198.51.100.1", limit=5, window_seconds=60)
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert outcomes.count(True) == 5
    with app.state.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(RateLimitHit)) == 5  # refusals are not counted
    app.state.runtime.db.dispose()


def test_unknown_licence_numbers_lock_the_address_out_until_the_window_passes(
    gateway_factory: Callable[..., FastAPI],
) -> None:
    window = 2
    app = gateway_factory(
        rate_license_misses=RateLimit(limit=3, window_seconds=window),
        rate_license_verify=RateLimit(limit=100, window_seconds=60),
    )
    with TestClient(app) as client, TestClient(app, client=OTHER_ADDRESS) as other:
        verify = f"/api/v1/licenses/{REAL_LICENSE}/verify"
        assert client.get(verify).status_code == 200
        for n, suffix in enumerate(["verify", "qr.png", "qr.svg"]):
            assert client.get(f"/api/v1/licenses/MADE-UP-{n}/{suffix}").status_code == 404
        # Beyond the misses every lookup is refused, a real number too (no enumeration by timing out).
        _assert_rate_limited(client.get(verify), "license_miss", window_seconds=window)
        _assert_rate_limited(
            client.get(f"/api/v1/licenses/{REAL_LICENSE}/qr.svg"), "license_miss", window_seconds=window
        )
        assert other.get(verify).status_code == 200

        # Polling while refused counts nothing, so the lookups come back once the misses leave the window.
        deadline = time.monotonic() + 10 * window
        while (answer := client.get(verify)).status_code == 429 and time.monotonic() < deadline:
            assert int(answer.headers["Retry-After"]) <= window
            time.sleep(0.2)
        assert answer.status_code == 200, answer.text
        assert answer.json()["license_no"] == REAL_LICENSE


def test_public_licence_lookups_are_limited_per_address(gateway_factory: Callable[..., FastAPI]) -> None:
    app = gateway_factory(rate_license_verify=RateLimit(limit=3, window_seconds=60))
    with TestClient(app) as client:
        assert [client.get(f"/api/v1/licenses/{REAL_LICENSE}/{s}").status_code for s in ("verify", "qr.png")] == [
            200
        ] * 2
        assert client.get("/api/v1/licenses/MADE-UP/verify").status_code == 404
        _assert_rate_limited(client.get(f"/api/v1/licenses/{REAL_LICENSE}/verify"), "license_verify", window_seconds=60)


def test_limits_per_account_for_other_modules(gateway_factory: Callable[..., FastAPI]) -> None:
    """The dependency another module declares: two limits of one bucket (a short and a long window,
    here two of the gateway's settings) per account."""
    app = gateway_factory(
        rate_license_verify=RateLimit(limit=1, window_seconds=1),
        rate_license_misses=RateLimit(limit=2, window_seconds=3600),
    )
    router = APIRouter()

    @router.post(
        "/api/v1/test/limited",
        status_code=202,
        dependencies=[
            Depends(rate_limited("per_account", "rate_license_verify", "rate_license_misses", key="account"))
        ],
    )
    def limited() -> dict[str, str]:
        return {"done": "yes"}

    app.include_router(router)
    with TestClient(app) as client:
        grant = {"grant_type": "client_credentials"}
        token = client.post("/api/v1/auth/token", data=grant, auth=("data-sharing", SERVICE_SECRET)).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert client.post("/api/v1/test/limited").status_code == 401  # per account: a token is needed
        assert client.post("/api/v1/test/limited", headers=headers).status_code == 202
        _assert_rate_limited(client.post("/api/v1/test/limited", headers=headers), "per_account", window_seconds=1)
        deadline = time.monotonic() + 10
        while (answer := client.post("/api/v1/test/limited", headers=headers)).status_code == 429:
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.1)
        assert answer.status_code == 202
        # The hour's limit is full now: refused until the first code leaves the hour, not the minute.
        retry_after = _assert_rate_limited(
            client.post("/api/v1/test/limited", headers=headers), "per_account", window_seconds=3600
        )
        assert retry_after > 3000


def test_old_rows_are_pruned(database_url: str, gateway_factory: Callable[..., FastAPI]) -> None:
    db = Database(database_url)
    limiter = RateLimiter(db, prune_every=1)
    with db.session() as session:
        session.add(RateLimitHit(bucket="token", key="198.51.100.2", at=utcnow() - timedelta(days=2)))
        session.add(RateLimitHit(bucket="token", key="198.51.100.2", at=utcnow() - timedelta(hours=2)))
    limiter.hit("registration", "198.51.100.2", limit=1, window_seconds=60)  # prunes, with prune_every=1
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RateLimitHit)) == 2
    db.dispose()


THIRD_ADDRESS = ("198.51.100.9", 50000)


def _progress(client: TestClient, case_no: str = REAL_CASE, last6: str = REAL_LAST6) -> httpx.Response:
    return client.post("/api/v1/case-progress", json={"case_no": case_no, "id_last6": last6})


def test_progress_look_ups_that_miss_lock_out_the_address_and_the_case_number(
    gateway_factory: Callable[..., FastAPI],
) -> None:
    """Guessing the six characters fails whether one address guesses many times or many addresses guess at
    one case number; a refused look-up is refused even with the right pair."""
    app = gateway_factory(
        rate_progress_misses=RateLimit(limit=3, window_seconds=600),
        rate_progress_case_misses=RateLimit(limit=4, window_seconds=3600),
        rate_progress_lookup=RateLimit(limit=100, window_seconds=60),
    )
    with (
        TestClient(app) as client,
        TestClient(app, client=OTHER_ADDRESS) as other,
        TestClient(app, client=THIRD_ADDRESS) as third,
    ):
        assert _progress(client).status_code == 200
        assert [_progress(client, last6=f"00000{n}").status_code for n in range(3)] == [404] * 3
        _assert_rate_limited(_progress(client), "progress_miss", window_seconds=600)
        assert _progress(other).status_code == 200  # another address is not held back
        # Many addresses guessing at one number: its misses add up (3 above, 1 more here), then it is shut.
        assert _progress(other, last6="111111").status_code == 404
        _assert_rate_limited(_progress(third), "progress_case_miss", window_seconds=3600)
        assert _progress(third, case_no="202612050000000002").status_code == 404  # other numbers are not


def test_progress_look_ups_are_limited_per_address(gateway_factory: Callable[..., FastAPI]) -> None:
    app = gateway_factory(rate_progress_lookup=RateLimit(limit=2, window_seconds=60))
    with TestClient(app) as client:
        assert [_progress(client).status_code for _ in range(2)] == [200, 200]
        _assert_rate_limited(_progress(client), "progress_lookup", window_seconds=60)
