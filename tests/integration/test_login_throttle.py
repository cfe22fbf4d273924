"""Password and client-secret guessing at `POST /auth/token` is throttled, on PostgreSQL, without
letting a stranger lock the owner out (docs/identity.md, "Failed log-ins"): failures of a name from
one address delay further tries from there, increasingly; an address failing across many names is
slowed down for all of them; a name failing from many addresses is refused beyond a ceiling, except
from the devices it knows (a device cookie from an earlier log-in), which only their own failures
hold back; a success clears the failures of that name from that caller only."""

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
        login_failures_before_delay=5,
        login_delay_seconds=30,
        login_max_failures_per_account=20,
        login_max_failures_per_address=12,
        login_max_failures_per_device=10,
        login_failure_window_seconds=900,
    )
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        yield client, url


def _from(client: TestClient, address: str) -> TestClient:
    """Another caller of the same gateway: its own address and its own cookies."""
    return TestClient(client.app, client=(address, 40000))


def _age_failures(url: str, by: timedelta) -> None:
    """Moves every recorded failure back in time, as if the window had passed."""
    engine = create_engine(url)
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT id, at FROM login_failures")).all()
        for row_id, at in rows:
            connection.execute(text("UPDATE login_failures SET at = :at WHERE id = :id"), {"at": at - by, "id": row_id})
    engine.dispose()


def test_five_failures_of_a_name_delay_it_from_that_address_ever_longer(gateway: tuple[TestClient, str]) -> None:
    client, url = gateway
    victim, bystander = fresh_id_number(), fresh_id_number()
    for id_number in (victim, bystander):
        _register(client, id_number)
    client.cookies.clear()  # a stranger's browser, which the accounts do not know

    assert [_login(client, victim, "wrong-password") for _ in range(5)] == [401] * 5
    locked = client.post("/api/v1/auth/token", data={"username": victim, "password": PASSWORD})
    assert locked.status_code == 429, locked.text
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(locked.headers["Retry-After"]) <= 30
    assert locked.json()["reason"] == "account" and locked.json()["retry_after"] == int(locked.headers["Retry-After"])
    # The name is matched as a log-in matches it (spaces around it are the same name).
    assert _login(client, f" {victim} ", PASSWORD) == 429
    assert _login(client, bystander, PASSWORD) == 200
    # The same name from another address is not delayed (the ceiling per name is far off).
    assert _login(_from(client, "203.0.113.9"), victim, PASSWORD) == 200

    # Once the delay has passed one more guess is let through, and the next delay is twice as long.
    _age_failures(url, timedelta(seconds=31))
    assert _login(client, victim, "wrong-password") == 401
    again = client.post("/api/v1/auth/token", data={"username": victim, "password": PASSWORD})
    assert again.status_code == 429 and 30 < int(again.headers["Retry-After"]) <= 60

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


def test_a_spray_across_many_accounts_from_one_address_is_slowed_down(gateway: tuple[TestClient, str]) -> None:
    client, url = gateway
    person = fresh_id_number()
    _register(client, person)
    sprayer = _from(client, "198.51.100.20")
    # One password tried on twelve names, once each: no name is delayed, the address is.
    for n in range(12):
        assert _login(sprayer, f"nobody-{n}", "Password1") == 401
    refused = sprayer.post("/api/v1/auth/token", data={"username": person, "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["reason"] == "address"
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    # Other addresses are not slowed down.
    assert _login(_from(client, "198.51.100.21"), person, PASSWORD) == 200
    # After the delay one more try, then a longer delay: 13 names cost a minute and a half, not an instant.
    _age_failures(url, timedelta(seconds=31))
    assert _login(sprayer, "nobody-12", "Password1") == 401
    slower = sprayer.post("/api/v1/auth/token", data={"username": "nobody-13", "password": "Password1"})
    assert slower.status_code == 429 and 30 < int(slower.headers["Retry-After"]) <= 60


def test_strangers_failures_do_not_stop_the_owner_on_a_known_device(gateway: tuple[TestClient, str]) -> None:
    client, _ = gateway
    owner_id = fresh_id_number()
    _register(client, owner_id)
    owner = _from(client, "192.0.2.10")
    assert _login(owner, owner_id, PASSWORD) == 200
    cookie = owner.cookies.get("gov_device")
    assert cookie, "a successful log-in leaves a device cookie"

    # Twenty wrong passwords from four other addresses, by someone who knows only the ID number.
    for n in range(20):
        assert _login(_from(client, f"203.0.113.{n % 4}"), owner_id, f"guess-{n}") == 401
    # The name is now refused to strangers, whatever the password, the right one from a fresh address too.
    refused = _from(client, "203.0.113.99").post(
        "/api/v1/auth/token", data={"username": owner_id, "password": PASSWORD}
    )
    assert refused.status_code == 429 and refused.json()["reason"] == "account"
    # The owner's known device logs in with the right password all the same, again and again.
    assert [_login(owner, owner_id, PASSWORD) for _ in range(3)] == [200] * 3
    # Its own typos count for it alone and a success clears them.
    assert [_login(owner, owner_id, "typo") for _ in range(3)] == [401] * 3
    assert _login(owner, owner_id, PASSWORD) == 200
    # The cookie is the gateway's alone: HttpOnly, only for the log-in endpoints, not for other sites.
    set_cookie = owner.post("/api/v1/auth/token", data={"username": owner_id, "password": PASSWORD}).headers[
        "set-cookie"
    ]
    assert "HttpOnly" in set_cookie and "Path=/api/v1/auth/" in set_cookie and "SameSite=strict" in set_cookie


def test_a_known_device_is_held_back_by_its_own_failures_and_another_accounts_cookie_is_no_key(
    gateway: tuple[TestClient, str],
) -> None:
    client, _ = gateway
    owner_id, other_id = fresh_id_number(), fresh_id_number()
    for id_number in (owner_id, other_id):
        _register(client, id_number)
    device = _from(client, "192.0.2.30")
    assert _login(device, other_id, PASSWORD) == 200  # the device is known to the other account only
    assert [_login(device, owner_id, "guess") for _ in range(5)] == [401] * 5
    assert _login(device, owner_id, PASSWORD) == 429  # a stranger to the owner's account

    # A stolen cookie: ten guesses, then the device is forgotten and its failures are a stranger's.
    thief = _from(client, "192.0.2.31")
    assert _login(thief, other_id, PASSWORD) == 200
    assert [_login(thief, other_id, "guess") for _ in range(10)] == [401] * 10
    forgotten = thief.post("/api/v1/auth/token", data={"username": other_id, "password": PASSWORD})
    assert forgotten.status_code == 429 and forgotten.json()["reason"] == "account"

    # A password change makes every device a stranger again (its token generation moved on).
    known = _from(client, "192.0.2.32")
    assert _login(known, owner_id, PASSWORD) == 200
    changed = known.post(
        "/api/v1/auth/password",
        json={"username": owner_id, "current_password": PASSWORD, "new_password": "another-123456"},
    )
    assert changed.status_code == 204, changed.text
    assert [_login(known, owner_id, "guess") for _ in range(5)] == [401] * 5
    assert _login(known, owner_id, "another-123456") == 429


def test_client_secrets_are_throttled_too(gateway: tuple[TestClient, str]) -> None:
    client, _ = gateway
    form = {"grant_type": "client_credentials"}
    wrong = ("data-sharing", "wrong")
    assert [client.post("/api/v1/auth/token", data=form, auth=wrong).status_code for _ in range(5)] == [401] * 5
    assert client.post("/api/v1/auth/token", data=form, auth=("data-sharing", "s3cret-value")).status_code == 429
