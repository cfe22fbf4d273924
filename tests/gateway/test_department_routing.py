"""Which department's business system a call through the gateway goes to: a department the caller
names that the platform does not have is a 404 naming it; one it has but cannot reach is a 503."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from portal_gateway.app import migrate
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone
from tests.service_management.e2e_helpers import fresh_id_number


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        # amr's business system is configured but nothing listens there.
        business_systems_urls={"amr": "http://127.0.0.1:9"},
        http_timeout_seconds=2,
    )
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        yield client


def test_an_unknown_department_is_a_404_and_an_unreachable_one_a_503(gateway: TestClient) -> None:
    id_number = fresh_id_number()
    body = {"account_type": "person", "id_number": id_number, "name": "周某", "phone": "13800000002"}
    assert gateway.post("/api/v1/auth/register", json=body | {"password": "secret-123456"}).status_code == 201
    token = gateway.post("/api/v1/auth/token", data={"username": id_number, "password": "secret-123456"}).json()
    person = {"Authorization": f"Bearer {token['access_token']}"}

    for path in ("/api/v1/departments/nope/cases/1/attachments", "/api/v1/departments/nope/cases/1/attachments/f"):
        unknown = gateway.get(path, headers=person)
        assert unknown.status_code == 404, unknown.text
        assert unknown.headers["content-type"].startswith("application/problem+json")
        assert unknown.json()["code"] == "department_unknown" and unknown.json()["errors"][0]["field"] == "department"
    assert gateway.get("/api/v1/departments/amr/cases/1/attachments", headers=person).status_code == 503
