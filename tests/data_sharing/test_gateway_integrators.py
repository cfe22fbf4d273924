"""Integrators' client applications at the gateway (PostgreSQL): the admin registers and manages
them; they obtain tokens with the client-credentials grant, with role `integrator`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from portal_gateway.app import create_app, migrate
from portal_gateway.settings import Settings
from tests.e2e.platform import DEMO_PASSWORD


@pytest.fixture
def gateway(new_database: Callable[[str], str], tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        database_url=new_database(f"gw_int_{uuid.uuid4().hex[:6]}"),
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=True,
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_clients={"data-sharing": "service-secret-1"},
    )
    migrate(settings)
    with TestClient(create_app(settings)) as client:
        yield client


def _login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _client_token(client: TestClient, client_id: str, secret: str) -> int | dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    if response.status_code != 200:
        return response.status_code
    return dict(jwt.decode(response.json()["access_token"], options={"verify_signature": False}))


def test_the_admin_registers_an_integrator_that_then_gets_tokens(gateway: TestClient) -> None:
    admin = _login(gateway, "admin")
    body = {"name": "某银行开户系统", "description": "开户身份核验", "contact": "王工 0571-88888888"}
    created = gateway.post("/api/v1/client-applications", headers=admin, json=body)
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["client_id"].startswith("app-") and app["roles"] == ["integrator"] and app["active"] is True
    assert app["created_by"] == "系统管理员" and len(app["client_secret"]) >= 32

    claims = _client_token(gateway, app["client_id"], app["client_secret"])
    assert isinstance(claims, dict)
    assert claims["typ"] == "client" and claims["roles"] == ["integrator"] and claims["cid"] == app["client_id"]
    assert claims["name"] == "某银行开户系统"

    listed = gateway.get("/api/v1/client-applications", headers=admin)
    assert listed.headers["X-Total-Count"] == "1" and "client_secret" not in listed.json()[0]
    assert (
        gateway.get(f"/api/v1/client-applications/{app['client_id']}", headers=admin).json()["contact"]
        == body["contact"]
    )

    # Deactivated: no new token. Reactivated and rotated: only the new secret works.
    off = gateway.patch(f"/api/v1/client-applications/{app['client_id']}", headers=admin, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert _client_token(gateway, app["client_id"], app["client_secret"]) == 401
    gateway.patch(f"/api/v1/client-applications/{app['client_id']}", headers=admin, json={"active": True})
    rotated = gateway.post(f"/api/v1/client-applications/{app['client_id']}/secret", headers=admin).json()
    assert _client_token(gateway, app["client_id"], app["client_secret"]) == 401
    assert isinstance(_client_token(gateway, app["client_id"], rotated["client_secret"]), dict)


def test_only_the_admin_manages_and_service_clients_are_out_of_reach(gateway: TestClient) -> None:
    clerk = _login(gateway, "clerk")
    assert gateway.post("/api/v1/client-applications", headers=clerk, json={"name": "x"}).status_code == 403
    assert gateway.get("/api/v1/client-applications", headers=clerk).status_code == 403
    assert gateway.post("/api/v1/client-applications", json={"name": "x"}).status_code == 401
    admin = _login(gateway, "admin")
    bad = gateway.post("/api/v1/client-applications", headers=admin, json={"name": ""})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "name"
    # The platform's own service client exists but is not an integrator application.
    assert isinstance(_client_token(gateway, "data-sharing", "service-secret-1"), dict)
    assert gateway.get("/api/v1/client-applications/data-sharing", headers=admin).status_code == 404
    assert gateway.post("/api/v1/client-applications/data-sharing/secret", headers=admin).status_code == 404
    assert (
        gateway.patch("/api/v1/client-applications/data-sharing", headers=admin, json={"active": False}).status_code
        == 404
    )
