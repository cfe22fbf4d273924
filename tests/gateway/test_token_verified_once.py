"""An authenticated call to the gateway verifies its token's signature once: the token check (a middleware)
hands the principal it verified to the route, which does not verify it again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from gov_common.auth import TokenVerifier
from portal_gateway.app import migrate
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone
from tests.service_management.e2e_helpers import fresh_id_number


def test_a_persons_call_verifies_the_token_once(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=True,
        demo_departments=["amr"],
        token_signing_key_path=str(tmp_path / "token.pem"),
    )
    migrate(settings)
    app = gateway_alone(settings)
    with TestClient(app) as client:
        number = fresh_id_number()
        body = {"account_type": "person", "id_number": number, "name": "孙某", "phone": "13800000000"}
        assert client.post("/api/v1/auth/register", json=body | {"password": "secret-123456"}).status_code == 201
        token = client.post("/api/v1/auth/token", data={"username": number, "password": "secret-123456"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        verifier: TokenVerifier = app.state.runtime.verifier
        calls: list[str] = []
        original = verifier.verify

        def counted(raw: str) -> Any:
            calls.append(raw)
            return original(raw)

        verifier.verify = counted  # type: ignore[method-assign]
        me = client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert len(calls) == 1
        # Another token on the same connection is verified on its own, not taken from the previous request.
        assert client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
        assert calls[0] != "not-a-token" and calls[1:] and set(calls[1:]) == {"not-a-token"}
