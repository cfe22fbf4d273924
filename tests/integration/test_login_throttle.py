"""Password and client-secret guessing at `POST /auth/token` is throttled, on PostgreSQL: five
failures lock a name for the window whatever the password (so a right guess is not revealed),
other names are unaffected, a success clears a name's failures, an address that fails across many
names is refused for all of them, and the lock lifts when the failures leave the window."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from portal_gateway.app import migrate
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone
from tests.service_management.e2e_helpers import fresh_id_number

PASSWORD = "secret-123456"


def _register(client: TestClient, id_number: str) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"account_type": "person", "id_number": id_number, "name": "王试", "phone": "13800000000"}
        | {"password": PASSWORD},
    )
    assert response.status_code == 201, response.text


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password}).status_code


@pytest.fixture
def gateway(new_database: Callable[[str], str], tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = new_database(f"gw_throttle_{uuid.uuid4().hex[:6]}")
    settings = Settings(
        environment="test",
        database_url=url,
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_clients={"data-sharing": "s3cret-value"},
        login_max_failures_per_account=5,
        login_max_failures_per_address=12,
        login_failure_window_seconds=900,
    )
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        yield client, url


def _age_failures(url: str, by: timedelta) -> None:
    """Moves every recorded failure back in time, as if the window had passed."""
    engine = create_engine(url)
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT id, at FROM login_failures")).all()
        for row_id, at in rows:
            connection.execute(text("UPDATE login_failures SET at = :at WHERE id = :id"), {"at": at - by, "id": row_id})
    engine.dispose()


def test_five_failures_lock_the_name_but_not_others(gateway: tuple[TestClient, str]) -> None:
    client, url = gateway
    victim, bystander = fresh_id_number(), fresh_id_number()
    for id_number in (victim, bystander):
        _register(client, id_number)

    assert [_login(client, victim, "wrong-password") for _ in range(5)] == [401] * 5
    locked = client.post("/api/v1/auth/token", data={"username": victim, "password": PASSWORD})
    assert locked.status_code == 429, locked.text
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(locked.headers["Retry-After"]) <= 900
    assert locked.json()["reason"] == "account" and locked.json()["retry_after"] == int(locked.headers["Retry-After"])
    # The name is matched as a log-in matches it (spaces around it are the same name).
    assert _login(client, f" {victim} ", PASSWORD) == 429
    assert _login(client, bystander, PASSWORD) == 200

    _age_failures(url, timedelta(minutes=16))
    assert _login(client, victim, PASSWORD) == 200


def test_a_success_clears_the_failures_of_the_name(gateway: tuple[TestClient, str]) -> None:
    client, _ = gateway
    person = fresh_id_number()
    _register(client, person)
    assert [_login(client, person, "wrong-password") for _ in range(4)] == [401] * 4
    assert _login(client, person, PASSWORD) == 200
    assert [_login(client, person, "wrong-password") for _ in range(4)] == [401] * 4
    assert _login(client, person, PASSWORD) == 200


def test_an_address_failing_across_many_names_is_refused(gateway: tuple[TestClient, str]) -> None:
    client, _ = gateway
    person = fresh_id_number()
    _register(client, person)
    # Twelve failures spread over names that do not exist: no name reaches five.
    for n in range(12):
        assert _login(client, f"nobody-{n % 4}", "guess") == 401
    refused = client.post("/api/v1/auth/token", data={"username": person, "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["reason"] == "address"


def test_client_secrets_are_throttled_too(gateway: tuple[TestClient, str]) -> None:
    client, _ = gateway
    form = {"grant_type": "client_credentials"}
    wrong = ("data-sharing", "wrong")
    assert [client.post("/api/v1/auth/token", data=form, auth=wrong).status_code for _ in range(5)] == [401] * 5
    assert client.post("/api/v1/auth/token", data=form, auth=("data-sharing", "s3cret-value")).status_code == 429
