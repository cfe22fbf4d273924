"""A stand-in for the identity port where a test runs the gateway alone (no data-sharing): the
registry of the test, as a dict. The real path is covered through data-sharing in
tests/gateway/test_identity_assurance.py and the end-to-end tests."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from portal_gateway.app import create_app
from portal_gateway.identity.sms import DevSmsChannel
from portal_gateway.identity.verifier import EntityVerification, PersonVerification
from portal_gateway.settings import Settings


@dataclass
class RegistryFake:
    # id_number -> (name, phone); a number not in it is "unknown" to the registry.
    persons: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    # uscc -> (the legal representative's ID number, the entity's registered name).
    entities: dict[str, tuple[str, str]] = field(default_factory=dict)

    async def verify_person(self, *, id_number: str, name: str, purpose: str) -> PersonVerification:
        if id_number not in self.persons:
            return PersonVerification(result="unknown")
        registered, phone = self.persons[id_number]
        return PersonVerification(result="match", phone=phone) if registered == name else PersonVerification("mismatch")

    async def verify_entity(
        self, *, uscc: str, representative_id_number: str, representative_name: str, purpose: str
    ) -> EntityVerification:
        if uscc not in self.entities:
            return EntityVerification(result="unknown")
        representative, entity_name = self.entities[uscc]
        if representative != representative_id_number:
            return EntityVerification(result="mismatch")
        return EntityVerification(result="match", matched_by="id_number", entity_name=entity_name)


def gateway_alone(settings: Settings, registry: RegistryFake | None = None) -> FastAPI:
    """The gateway app with the test's registry behind its identity port."""
    app = create_app(settings)
    app.state.identity_verifier = registry or RegistryFake()
    if settings.sms_dev_outbox is None:
        # Not into the repository's var/: a development outbox of the test's own.
        app.state.sms_channel = DevSmsChannel(str(Path(tempfile.mkdtemp(prefix="sms-")) / "outbox.jsonl"))
    return app


def raised_to_l2(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """The caller raised to L2 by the code sent to the registry's phone (the development outbox)."""
    sent = client.post("/api/v1/me/assurance/phone-code", headers=headers)
    assert sent.status_code == 202, sent.text
    code = client.get("/api/v1/dev/sms-outbox").json()[0]["code"]
    raised = client.post("/api/v1/me/assurance/phone-verify", json={"code": code}, headers=headers)
    assert raised.status_code == 200, raised.text
    return {"Authorization": f"Bearer {raised.json()['access_token']}"}


def acting_for_entity(
    client: TestClient, registry: RegistryFake, *, uscc: str, entity_name: str, representative: tuple[str, str]
) -> dict[str, str]:
    """The entity's legal representative registers, proves their phone, opens the entity's account
    and takes a token to act for it: how an entity comes to the platform."""
    number, name = representative
    registry.persons.setdefault(number, (name, "13900000000"))
    registry.entities[uscc] = (number, entity_name)
    body = {"account_type": "person", "id_number": number, "name": name, "phone": "13900000000"}
    client.post("/api/v1/auth/register", json=body | {"password": "secret-pass-1"})
    token = client.post("/api/v1/auth/token", data={"username": number, "password": "secret-pass-1"})
    assert token.status_code == 200, token.text
    person = raised_to_l2(client, {"Authorization": f"Bearer {token.json()['access_token']}"})
    opened = client.post("/api/v1/entities", json={"uscc": uscc}, headers=person)
    assert opened.status_code in (201, 409), opened.text
    acting = client.post("/api/v1/auth/act-as", json={"uscc": uscc}, headers=person)
    assert acting.status_code == 200, acting.text
    return {"Authorization": f"Bearer {acting.json()['access_token']}"}
