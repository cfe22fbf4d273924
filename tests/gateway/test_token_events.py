"""Every way a token ends at the gateway is told to the services (docs/identity.md, Revocation): a
fact on `gov.token.v1`, written with the change and published by the outbox relay, that a
revocation list fed with it turns into the same refusal the gateway makes, while the token issued
afterwards stays valid. The gateway runs on PostgreSQL with the local bus; the refusal by services
reached directly, on Kafka, is in tests/e2e/test_revocation.py."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gov_common.auth import Principal
from gov_common.events import Event, Topics
from gov_common.revocation import RevocationList
from gov_common.service import ServiceRuntime
from portal_gateway.app import migrate
from portal_gateway.models import Account
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import RegistryFake, gateway_alone, raised_to_l2
from tests.service_management.e2e_helpers import fresh_id_number

DEMO_PASSWORD = "demo12345"
PASSWORD = "secret-pass-1"
QIAN = "33012219920202001X"  # the registry's legal representative of TEA_COMPANY
TEA_COMPANY = "91330122MA28D0K3XN"


@pytest.fixture
def gateway(new_database: Callable[[str], str], tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        database_url=new_database(f"gw_tokens_{uuid.uuid4().hex[:6]}"),
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=True,
        demo_departments=["amr"],
        token_signing_key_path=str(tmp_path / "token.pem"),
        sms_dev_outbox=str(tmp_path / "sms-outbox.jsonl"),
    )
    migrate(settings)
    registry = RegistryFake(
        persons={QIAN: ("钱多多", "13700137001")},
        entities={TEA_COMPANY: (QIAN, "桐庐富春江茶业有限公司")},
    )
    with TestClient(gateway_alone(settings, registry)) as client:
        yield client


def _runtime(client: TestClient) -> ServiceRuntime:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def _bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    return _bearer(client.post("/api/v1/auth/token", data={"username": username, "password": password}))


def _register(client: TestClient, number: str, name: str) -> None:
    body = {"account_type": "person", "id_number": number, "name": name, "phone": "13811112222", "password": PASSWORD}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201


def _principal(client: TestClient, headers: dict[str, str]) -> Principal:
    return _runtime(client).verifier.verify(headers["Authorization"].removeprefix("Bearer "))


def _published(client: TestClient, subject: str, **expected: Any) -> dict[str, Any]:
    """The latest fact published under `subject`, once it has the `expected` values (the relay
    publishes just after the commit)."""
    deadline = time.monotonic() + 10.0
    while True:
        reader = _runtime(client).bus.broadcast_reader(Topics.TOKEN)
        facts = {e.subject: e.data for e in (Event.decode(m.value) for m in reader.poll(0.1))}
        reader.close()
        fact = facts.get(subject, {})
        if fact and all(fact.get(k) == v for k, v in expected.items()):
            return fact
        assert time.monotonic() < deadline, f"not published under {subject}: {expected} (latest {fact})"
        time.sleep(0.05)


def _list(client: TestClient) -> RevocationList:
    """A revocation list as a service would build it, from everything on the topic."""
    revocations = RevocationList()
    reader = _runtime(client).bus.broadcast_reader(Topics.TOKEN)
    while batch := reader.poll(0.1):
        for message in batch:
            assert revocations.apply(Event.decode(message.value))
    reader.close()
    return revocations


def _ends(client: TestClient, subject: str, old: dict[str, str], new: dict[str, str] | None = None) -> None:
    """A list built from the topic refuses `old` (once the fact under `subject` is published), not `new`."""
    _published(client, subject)
    deadline = time.monotonic() + 10.0
    while not (revocations := _list(client)).revoked(_principal(client, old)):
        assert time.monotonic() < deadline, f"the facts published do not end the token ({subject})"
        time.sleep(0.05)
    if new is not None:
        assert not revocations.revoked(_principal(client, new))


def _account_id(client: TestClient, username: str) -> str:
    with _runtime(client).db.session() as session:
        account = session.query(Account).filter_by(username=username).one()
        return account.id


def test_a_password_change_and_a_window_reset_and_reclaim_publish_the_accounts_generation(
    gateway: TestClient,
) -> None:
    client = gateway
    number = fresh_id_number()
    _register(client, number, "王五")
    subject = f"account:{_account_id(client, number)}"
    before = _login(client, number)
    changed = client.post(
        "/api/v1/auth/password", json={"username": number, "current_password": PASSWORD, "new_password": "pass-2-ok"}
    )
    assert changed.status_code == 204, changed.text
    assert _published(client, subject, min_generation=1) == {
        "account": subject.removeprefix("account:"),
        "min_generation": 1,
    }
    after = _login(client, number, "pass-2-ok")
    _ends(client, subject, before, after)

    clerk = _login(client, "clerk", DEMO_PASSWORD)
    reset = client.post(
        "/api/v1/accounts/walk-in/password-reset", json={"account_type": "person", "id_number": number}, headers=clerk
    )
    assert reset.status_code == 200, reset.text
    _published(client, subject, min_generation=2)
    _ends(client, subject, after)

    # The owner takes back the account at a window: the generation moves on again.
    reclaimed = client.post(
        "/api/v1/accounts/walk-in/reclaim",
        json={"account_type": "person", "id_number": number, "name": "王五本人", "phone": "13900139000"},
        headers=clerk,
    )
    assert reclaimed.status_code == 200, reclaimed.text
    _published(client, subject, min_generation=3)


def test_a_staff_second_factor_reset_publishes_the_staff_accounts_generation(gateway: TestClient) -> None:
    client = gateway
    before = _login(client, "reviewer-amr", DEMO_PASSWORD)
    admin = _login(client, "admin", DEMO_PASSWORD)
    assert client.post("/api/v1/staff/reviewer-amr/totp/reset", headers=admin).status_code == 204
    _ends(
        client, f"account:{_account_id(client, 'reviewer-amr')}", before, _login(client, "reviewer-amr", DEMO_PASSWORD)
    )


def test_an_integrators_rotation_and_deactivation_publish_the_applications_generation(gateway: TestClient) -> None:
    client = gateway
    admin = _login(client, "admin", DEMO_PASSWORD)
    app = client.post("/api/v1/client-applications", headers=admin, json={"name": "测试系统", "contact": "科技部"})
    assert app.status_code == 201, app.text
    client_id, secret = app.json()["client_id"], app.json()["client_secret"]

    def token(secret: str) -> dict[str, str]:
        return _bearer(
            client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        )

    first = token(secret)
    rotated = client.post(f"/api/v1/client-applications/{client_id}/secret", headers=admin)
    assert rotated.status_code == 200, rotated.text
    assert _published(client, f"client:{client_id}", min_generation=1) == {
        "client_id": client_id,
        "min_generation": 1,
    }
    second = token(rotated.json()["client_secret"])
    _ends(client, f"client:{client_id}", first, second)

    deactivated = client.patch(f"/api/v1/client-applications/{client_id}", headers=admin, json={"active": False})
    assert deactivated.status_code == 200, deactivated.text
    _published(client, f"client:{client_id}", min_generation=2)
    _ends(client, f"client:{client_id}", second)


def test_a_withdrawn_agent_and_a_taken_over_entity_publish_what_ends_their_acting_tokens(
    gateway: TestClient,
) -> None:
    client = gateway
    _register(client, QIAN, "钱多多")
    representative = raised_to_l2(client, _login(client, QIAN))
    assert client.post("/api/v1/entities", json={"uscc": TEA_COMPANY}, headers=representative).status_code == 201
    agent_number = fresh_id_number()
    _register(client, agent_number, "经办人")
    agent = _login(client, agent_number)
    granted = client.post(
        f"/api/v1/entities/{TEA_COMPANY}/agents",
        json={"id_number": agent_number, "name": "经办人"},
        headers=representative,
    )
    assert granted.status_code == 201, granted.text

    def acting(person: dict[str, str]) -> dict[str, str]:
        return _bearer(client.post("/api/v1/auth/act-as", json={"uscc": TEA_COMPANY}, headers=person))

    as_agent, as_representative = acting(agent), acting(representative)
    grant = str(granted.json()["id"])
    assert _principal(client, as_agent).actor == {
        "sub": _account_id(client, agent_number),
        "idn": agent_number,
        "name": "经办人",
        "tgen": "0",
        "role": "agent",
        "grant": grant,
    }
    assert _principal(client, as_representative).actor["role"] == "representative"  # type: ignore[index]

    withdrawn = client.delete(f"/api/v1/entities/{TEA_COMPANY}/agents/{grant}", headers=representative)
    assert withdrawn.status_code == 200, withdrawn.text
    entity_id = _account_id(client, TEA_COMPANY)
    _ends(client, f"grant:{entity_id}:{grant}", as_agent, as_representative)
    # Authorised again: a new grant, whose tokens nothing revokes.
    again = client.post(
        f"/api/v1/entities/{TEA_COMPANY}/agents",
        json={"id_number": agent_number, "name": "经办人"},
        headers=representative,
    )
    assert again.status_code == 201, again.text
    as_agent_again = acting(agent)
    assert not _list(client).revoked(_principal(client, as_agent_again))

    # The acting person's own password change ends their tokens for the entity too.
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": agent_number, "current_password": PASSWORD, "new_password": "pass-2-ok"},
    )
    assert changed.status_code == 204
    renewed = acting(_login(client, agent_number, "pass-2-ok"))
    _ends(client, f"account:{_account_id(client, agent_number)}", as_agent_again, renewed)

    # An entity account opened before by someone else is taken over by its representative: every
    # token of the entity ends (its generation).
    with _runtime(client).db.session() as session:
        entity = session.get(Account, entity_id)
        assert entity is not None
        entity.representative_account_id = None
    taken_over = client.post("/api/v1/entities", json={"uscc": TEA_COMPANY}, headers=representative)
    assert taken_over.status_code == 201, taken_over.text
    _ends(client, f"account:{entity_id}", as_representative, acting(representative))
