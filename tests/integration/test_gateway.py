"""The gateway on PostgreSQL: demo accounts only while demo seeding is on; an unreachable
service answers 503 problem+json, not 500."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jwt
from fastapi.testclient import TestClient

from portal_gateway.app import create_app, migrate
from portal_gateway.settings import Settings
from tests.e2e.platform import free_port


def _settings(url: str, tmp_path: Path, *, seed_demo: bool) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=seed_demo,
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_management_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )


def test_demo_accounts_work_only_while_demo_seeding_is_on(new_database: Callable[[str], str], tmp_path: Path) -> None:
    url = new_database("gw_demo")
    seeded = _settings(url, tmp_path, seed_demo=True)
    migrate(seeded)
    with TestClient(create_app(seeded)) as client:
        response = client.post("/api/v1/auth/token", data={"username": "admin", "password": "demo12345"})
        assert response.status_code == 200
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})
        assert me.json()["roles"] == ["admin"]

    with TestClient(create_app(_settings(url, tmp_path, seed_demo=False))) as client:
        response = client.post("/api/v1/auth/token", data={"username": "admin", "password": "demo12345"})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unreachable_service_answers_503(new_database: Callable[[str], str], tmp_path: Path) -> None:
    settings = _settings(new_database("gw_503"), tmp_path, seed_demo=False)
    migrate(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/items")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "事项管理服务暂时不可用" in response.json()["detail"]  # which service, in words the caller reads


def test_client_credentials_grant_for_platform_services(new_database: Callable[[str], str], tmp_path: Path) -> None:
    settings = _settings(new_database("gw_clients"), tmp_path, seed_demo=False).model_copy(
        update={"service_clients": {"data-sharing": "s3cret-value"}}
    )
    migrate(settings)
    with TestClient(create_app(settings)) as client:
        ok = client.post(
            "/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=("data-sharing", "s3cret-value")
        )
        assert ok.status_code == 200, ok.text
        me_claims = jwt.decode(ok.json()["access_token"], options={"verify_signature": False})
        assert me_claims["typ"] == "client" and me_claims["cid"] == "data-sharing"
        assert me_claims["roles"] == ["service"] and "idn" not in me_claims
        form = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": "data-sharing", "client_secret": "s3cret-value"},
        )
        assert form.status_code == 200
        for auth in [("data-sharing", "wrong"), ("nobody", "s3cret-value")]:
            refused = client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=auth)
            assert refused.status_code == 401
        odd = client.post("/api/v1/auth/token", data={"grant_type": "implicit"})
        assert odd.status_code == 400 and odd.json()["errors"][0]["field"] == "grant_type"

    rotated = settings.model_copy(update={"service_clients": {"data-sharing": "new-secret-value"}})
    with TestClient(create_app(rotated)) as client:
        old = client.post(
            "/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=("data-sharing", "s3cret-value")
        )
        assert old.status_code == 401
        new = client.post(
            "/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=("data-sharing", "new-secret-value")
        )
        assert new.status_code == 200
