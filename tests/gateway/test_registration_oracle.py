"""Registration tells nobody whether a number has an account (docs/identity.md): 409
`account_exists` only to whom gives the number with its name (the registry's, or for a number the
registry does not know, the existing account's); any other name gets the same 422
`identity_mismatch` as a name the registry contradicts, account or no account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from portal_gateway.app import migrate
from portal_gateway.settings import RateLimit, Settings
from tests.gateway.registry_fake import RegistryFake, gateway_alone
from tests.service_management.e2e_helpers import fresh_id_number

LISTED = fresh_id_number()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        rate_registration=RateLimit(limit=100, window_seconds=3600),
    )
    migrate(settings)
    registry = RegistryFake(persons={LISTED: ("赵六", "13700000001")})
    with TestClient(gateway_alone(settings, registry)) as client:
        yield client


def _register(client: TestClient, id_number: str, name: str) -> Any:
    body = {"account_type": "person", "id_number": id_number, "name": name, "phone": "13800000003"}
    return client.post("/api/v1/auth/register", json=body | {"password": "secret-123456"})


def _refusal(response: Any) -> tuple[int, Any]:
    body = response.json()
    return response.status_code, {k: body.get(k) for k in ("status", "detail", "code", "errors")}


def test_a_stranger_learns_nothing_of_an_account_under_a_number_the_registry_does_not_know(
    gateway: TestClient,
) -> None:
    taken, free = fresh_id_number(), fresh_id_number()
    assert _register(gateway, taken, "钱七").status_code == 201
    # Someone who knows only the number: the answer is the registry's mismatch, as it would be
    # for a registered person's number under a wrong name.
    probe = _register(gateway, taken, "随便")
    assert _refusal(probe) == _refusal(_register(gateway, LISTED, "随便"))
    assert probe.status_code == 422 and probe.json()["errors"][0]["field"] == "name"
    # Who gives the number with its name is told it is registered (and can log in or go to a window).
    again = _register(gateway, taken, "钱七")
    assert again.status_code == 409 and again.json()["code"] == "account_exists", again.text
    # A free number registers as before.
    assert _register(gateway, free, "孙八").status_code == 201


def test_a_registered_persons_number_is_told_taken_only_with_the_registrys_name(gateway: TestClient) -> None:
    assert _register(gateway, LISTED, "赵六").status_code == 201
    wrong = _register(gateway, LISTED, "随便")
    assert wrong.status_code == 422 and wrong.json()["code"] == "identity_mismatch"
    right = _register(gateway, LISTED, "赵六")
    assert right.status_code == 409 and right.json()["code"] == "account_exists"
