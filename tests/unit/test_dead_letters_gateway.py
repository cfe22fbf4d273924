"""The gateway's /api/v1/dead-letters on SQLite with the services behind it unreachable: its own
letters are listed, the others are named as unavailable (not a 500), and only the admin may ask."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gov_common.bus.base import Message
from gov_common.events import Event, Topics
from portal_gateway.app import create_app, migrate
from portal_gateway.settings import Settings

PASSWORD = "demo12345"


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp_path = tmp_path_factory.mktemp("gateway")
    nowhere = f"http://127.0.0.1:{_unused_port()}"  # nothing listens there
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_management_url=nowhere,
        data_sharing_url=nowhere,
        business_systems_urls={"amr": nowhere},
        seed_demo=True,
        demo_departments=["amr"],
        demo_password=PASSWORD,
    )
    migrate(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _login(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_the_gateway_lists_its_own_letters_and_names_the_services_it_could_not_ask(client: TestClient) -> None:
    store = client.app.state.runtime.dead_letters  # type: ignore[attr-defined]
    event = Event.new(type="gov.case.concluded", source="/t", subject="C-9", data={"case_no": "C-9"})
    store.record("portal-gateway", Message(Topics.CASE, 0, 7, "C-9", event.encode(), {}), "KeyError: 'applicant'")
    admin = _login(client, "admin")

    answer = client.get("/api/v1/dead-letters", headers=admin)
    assert answer.status_code == 200, answer.text
    [letter] = answer.json()["items"]
    assert (letter["service"], letter["event_id"], letter["reason"]) == (
        "portal-gateway",
        event.id,
        "KeyError: 'applicant'",
    )
    unavailable = {u["service"] for u in answer.json()["unavailable"]}
    assert unavailable == {"service-management", "data-sharing", "business-systems.amr"}

    # The gateway's own letter is replayed in process: no handler of its group fails on this event.
    replay = client.post(f"/api/v1/dead-letters/portal-gateway/{letter['id']}/replay", headers=admin)
    assert replay.status_code == 200, replay.text
    assert replay.json()["dead_letter"]["status"] == "replayed"
    assert client.get("/api/v1/dead-letters", headers=admin).json()["items"] == []

    # A service that cannot be reached for a replay is a 503, not a 500.
    down = client.post("/api/v1/dead-letters/data-sharing/1/replay", headers=admin)
    assert down.status_code == 503 and down.headers["content-type"].startswith("application/problem+json")


def test_only_the_admin_and_known_services_and_ids(client: TestClient) -> None:
    clerk = _login(client, "clerk")
    refused = client.get("/api/v1/dead-letters", headers=clerk)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert (
        client.post("/api/v1/dead-letters/portal-gateway/1/discard", json={"reason": "x"}, headers=clerk).status_code
        == 403
    )

    admin = _login(client, "admin")
    missing = client.post("/api/v1/dead-letters/portal-gateway/404/replay", headers=admin)
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "id"
    unknown = client.post("/api/v1/dead-letters/nobody/1/replay", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "service"
    too_big = client.post(f"/api/v1/dead-letters/portal-gateway/{2**64}/replay", headers=admin)
    assert too_big.status_code == 422 and "letter_id" in too_big.text
    bad_status = client.get("/api/v1/dead-letters", params={"status": "lost"}, headers=admin)
    assert bad_status.status_code == 422 and "status" in bad_status.text
