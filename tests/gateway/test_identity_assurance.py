"""Identity assurance (docs/identity.md, issue #11) through the gateway, against the real
data-sharing service and its demo registries on PostgreSQL: real-name verification at registration,
the level each call needs, the phone code for L2, the window for L3 and for taking back a squatted
account, and legal persons acting through their representative and agents."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.gateway.registry_fake import raised_to_l2
from tests.gateway.with_data_sharing import Platform, gateway_with_data_sharing
from tests.service_management.e2e_helpers import fresh_id_number

LI_SI = "110101199003077758"  # in the demo population registry, phone 13700137002
QIAN = "33012219920202001X"  # 钱多多, legal representative of the demo entity below
ZHANG = "11010519491231002X"  # 张三
TEA_COMPANY = "91330122MA28D0K3XN"  # 桐庐富春江茶业有限公司
PASSWORD = "secret-pass-1"


@pytest.fixture
def platform(new_database: Callable[[str], str], tmp_path: Path) -> Iterator[Platform]:
    with gateway_with_data_sharing(new_database, tmp_path, seed_demo=True, demo_departments=["amr"]) as p:
        yield p


def _register(client: TestClient, number: str, name: str, phone: str = "13811112222") -> httpx.Response:
    body = {"account_type": "person", "id_number": number, "name": name, "phone": phone, "password": PASSWORD}
    return client.post("/api/v1/auth/register", json=body)


def _login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _claims(headers: dict[str, str]) -> dict[str, Any]:
    payload = headers["Authorization"].split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def test_registration_is_verified_against_the_population_registry(platform: Platform) -> None:
    client = platform.gateway
    # An impostor knows 李四's name-less number: refused on the name, without learning the real one.
    impostor = _problem(_register(client, LI_SI, "冒名者"), 422, "identity_mismatch")
    assert impostor["errors"][0]["field"] == "name" and "李四" not in json.dumps(impostor, ensure_ascii=False)
    # Nothing was created: the real 李四 registers afterwards, matched, at L1.
    owner = _register(client, LI_SI, "李四")
    assert owner.status_code == 201, owner.text
    assert owner.json()["assurance_level"] == 1 and owner.json()["identity_source"] == "registry"
    assert _claims(_login(client, LI_SI))["loa"] == 1
    # A number the registry does not know registers at the lowest level only.
    outsider = _register(client, fresh_id_number(), "外地人")
    assert outsider.status_code == 201 and outsider.json()["identity_source"] == "unlisted"
    assert outsider.json()["assurance_level"] == 1
    # An entity is not registered by anyone who asks: its legal representative opens it.
    entity = client.post(
        "/api/v1/auth/register",
        json={"account_type": "entity", "uscc": TEA_COMPANY, "name": "桐庐富春江茶业有限公司", "phone": "13800000000"}
        | {"password": PASSWORD},
    )
    assert _problem(entity, 422, "entity_opened_by_representative")["errors"][0]["field"] == "account_type"
    # Each verification was a governed read of the subject's record, audited under its purpose.
    with platform.ds.db.session() as session:
        rows = session.execute(
            text("SELECT actor_kind, client_id, purpose FROM audit_log WHERE subject = :s AND action = 'verify'"),
            {"s": LI_SI},
        ).all()
    assert [tuple(r) for r in rows] == [("client", "portal-gateway", "注册账号实名核验")] * 2


def test_an_unreachable_registry_is_a_503_and_opens_nothing(platform: Platform) -> None:
    client = platform.gateway

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app = client.app
    working = app.state.http  # type: ignore[attr-defined]
    app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))  # type: ignore[attr-defined]
    down = _register(client, LI_SI, "李四")
    _problem(down, 503, "unavailable")
    assert int(down.headers["Retry-After"]) > 0
    app.state.http = working  # type: ignore[attr-defined]
    assert _register(client, LI_SI, "李四").status_code == 201  # nothing was half-created


def test_each_call_needs_its_level_and_the_phone_code_raises_to_l2(platform: Platform) -> None:
    client = platform.gateway
    assert _register(client, LI_SI, "李四", phone="13811112222").status_code == 201
    l1 = _login(client, LI_SI)
    for method, path in [
        ("GET", "/api/v1/licenses"),
        ("GET", f"/api/v1/registries/population/{LI_SI}"),
        ("GET", "/api/v1/audit/my-data-access"),
        ("POST", "/api/v1/licenses/NO-SUCH/cancel"),
        ("POST", "/api/v1/entities"),
    ]:
        body = {"reason": "不再需要"} if path.endswith("cancel") else {"uscc": TEA_COMPANY}
        refused = client.request(method, path, headers=l1, json=body if method == "POST" else None)
        problem = _problem(refused, 403, "assurance_level_required")
        assert (problem["required_level"], problem["current_level"]) == (2, 1), path

    # The code goes to the phone the registry holds, not the one typed at registration.
    sent = client.post("/api/v1/me/assurance/phone-code", headers=l1)
    assert sent.status_code == 202, sent.text
    assert sent.json()["phone_masked"] == "137****7002"
    outbox = client.get("/api/v1/dev/sms-outbox", params={"phone": "13700137002"}).json()
    assert len(outbox) == 1 and client.get("/api/v1/dev/sms-outbox", params={"phone": "13811112222"}).json() == []
    code = outbox[0]["code"]
    again = client.post("/api/v1/me/assurance/phone-code", headers=l1)
    assert int(_problem(again, 429, "too_many_requests")["retry_after"]) > 0 and "Retry-After" in again.headers

    wrong = "000000" if code != "000000" else "111111"
    bad = client.post("/api/v1/me/assurance/phone-verify", json={"code": wrong}, headers=l1)
    assert _problem(bad, 422, "code_invalid")["errors"][0]["field"] == "code"
    raised = client.post("/api/v1/me/assurance/phone-verify", json={"code": code}, headers=l1)
    assert raised.status_code == 200, raised.text
    l2 = {"Authorization": f"Bearer {raised.json()['access_token']}"}
    assert raised.json()["assurance_level"] == 2 and _claims(l2)["loa"] == 2
    # Single use; and now the calls that needed L2 answer.
    reused = client.post("/api/v1/me/assurance/phone-verify", json={"code": code}, headers=l1)
    _problem(reused, 409, "assurance_already_reached")
    assert client.get("/api/v1/licenses", headers=l2).status_code == 200
    own = client.get(f"/api/v1/registries/population/{LI_SI}", headers=l2)
    assert own.status_code == 200 and own.json()["name"] == "李四"
    assert client.get("/api/v1/audit/my-data-access", headers=l2).status_code == 200
    assert client.get("/api/v1/me", headers=l2).json()["identity_source"] == "phone"
    # The older L1 token stays at L1.
    _problem(client.get("/api/v1/licenses", headers=l1), 403, "assurance_level_required")


def test_a_code_dies_after_five_wrong_tries_and_an_unlisted_number_has_no_phone(platform: Platform) -> None:
    client = platform.gateway
    assert _register(client, ZHANG, "张三").status_code == 201
    headers = _login(client, ZHANG)
    assert client.post("/api/v1/me/assurance/phone-code", headers=headers).status_code == 202
    code = client.get("/api/v1/dev/sms-outbox", params={"phone": "13800138000"}).json()[0]["code"]
    wrong = "000000" if code != "000000" else "111111"
    tries = [client.post("/api/v1/me/assurance/phone-verify", json={"code": wrong}, headers=headers) for _ in range(5)]
    assert [t.json()["code"] for t in tries] == ["code_invalid"] * 5
    dead = client.post("/api/v1/me/assurance/phone-verify", json={"code": code}, headers=headers)
    _problem(dead, 422, "code_expired")

    outsider = fresh_id_number()
    assert _register(client, outsider, "外地人").status_code == 201
    none = client.post("/api/v1/me/assurance/phone-code", headers=_login(client, outsider))
    _problem(none, 409, "no_registry_phone")


def test_the_window_verifies_in_person_and_takes_back_a_squatted_account(platform: Platform) -> None:
    client = platform.gateway
    clerk = _login(client, "clerk", "demo12345")
    # Verified in person: L3, recorded.
    assert _register(client, ZHANG, "张三").status_code == 201
    person = client.post(
        "/api/v1/accounts/walk-in/verify-in-person",
        json={"account_type": "person", "id_number": ZHANG, "name": "张三"},
        headers=clerk,
    )
    assert person.status_code == 200, person.text
    assert person.json()["assurance_level"] == 3 and person.json()["identity_source"] == "window"
    assert _claims(_login(client, ZHANG))["loa"] == 3
    not_clerk = client.post(
        "/api/v1/accounts/walk-in/verify-in-person",
        json={"account_type": "person", "id_number": ZHANG, "name": "张三"},
        headers=_login(client, ZHANG),
    )
    assert not_clerk.status_code == 403

    # A number the registry does not know was registered by someone else under another name.
    number = fresh_id_number()
    assert _register(client, number, "冒名者").status_code == 201
    squatter = _login(client, number)
    differs = client.post(
        "/api/v1/accounts/walk-in/verify-in-person",
        json={"account_type": "person", "id_number": number, "name": "真主人"},
        headers=clerk,
    )
    _problem(differs, 409, "account_name_differs")
    taken = client.post(
        "/api/v1/accounts/walk-in/reclaim",
        json={"account_type": "person", "id_number": number, "name": "真主人", "phone": "13912345678"},
        headers=clerk,
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["account"]["name"] == "真主人" and taken.json()["account"]["assurance_level"] == 3
    # Every session of the squatter ends; the owner logs in with the slip's password, once replaced.
    _problem(client.get("/api/v1/me", headers=squatter), 401, "token_revoked")
    initial = taken.json()["initial_password"]
    assert client.post("/api/v1/auth/token", data={"username": number, "password": PASSWORD}).status_code == 401
    changed = client.post(
        "/api/v1/auth/password", json={"username": number, "current_password": initial, "new_password": "owner-pass-1"}
    )
    assert changed.status_code == 204, changed.text
    owner = _login(client, number, "owner-pass-1")
    assert _claims(owner)["loa"] == 3 and _claims(owner)["name"] == "真主人"
    notices = client.get("/api/v1/me/notifications", headers=owner).json()
    assert [n["kind"] for n in notices] == ["account_reclaimed"]
    with platform.gw.db.session() as session:
        row = session.execute(text("SELECT reclaimed_by FROM accounts WHERE username = :u"), {"u": number}).one()
    assert row.reclaimed_by == "clerk"

    # A name the registry contradicts is not taken back on anyone's word.
    contradicted = client.post(
        "/api/v1/accounts/walk-in/reclaim",
        json={"account_type": "person", "id_number": LI_SI, "name": "冒名者", "phone": "13912345678"},
        headers=clerk,
    )
    _problem(contradicted, 422, "identity_mismatch")
    # Opening an account at the window checks the registry too, and starts at L3.
    walk_in = client.post(
        "/api/v1/accounts/walk-in",
        json={"account_type": "person", "id_number": LI_SI, "name": "冒名者", "phone": "13912345678"},
        headers=clerk,
    )
    _problem(walk_in, 422, "identity_mismatch")
    opened = client.post(
        "/api/v1/accounts/walk-in",
        json={"account_type": "person", "id_number": LI_SI, "name": "李四", "phone": "13912345678"},
        headers=clerk,
    )
    assert opened.status_code == 201 and opened.json()["account"]["assurance_level"] == 3


def test_an_entity_is_opened_by_its_legal_representative_who_authorises_agents(platform: Platform) -> None:
    client = platform.gateway
    assert _register(client, QIAN, "钱多多").status_code == 201
    assert _register(client, ZHANG, "张三").status_code == 201
    # Not the representative (张三 represents another entity): refused, even at L2.
    zhang = raised_to_l2(client, _login(client, ZHANG))
    not_rep = client.post("/api/v1/entities", json={"uscc": TEA_COMPANY}, headers=zhang)
    _problem(not_rep, 403, "not_legal_representative")
    unknown = client.post("/api/v1/entities", json={"uscc": "91350100M000100Y43"}, headers=zhang)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "uscc"

    qian = raised_to_l2(client, _login(client, QIAN))
    opened = client.post("/api/v1/entities", json={"uscc": TEA_COMPANY}, headers=qian)
    assert opened.status_code == 201, opened.text
    assert opened.json()["name"] == "桐庐富春江茶业有限公司"  # the registry's name
    assert [e["role"] for e in client.get("/api/v1/entities", headers=qian).json()] == ["representative"]
    acting = client.post("/api/v1/auth/act-as", json={"uscc": TEA_COMPANY}, headers=qian)
    assert acting.status_code == 200, acting.text
    as_entity = {"Authorization": f"Bearer {acting.json()['access_token']}"}
    claims = _claims(as_entity)
    assert (claims["typ"], claims["idn"], claims["loa"]) == ("entity", TEA_COMPANY, 2)
    assert (claims["act"]["idn"], claims["act"]["name"]) == (QIAN, "钱多多")
    assert client.get("/api/v1/licenses", headers=as_entity).status_code == 200

    # 张三 may not act for it until authorised; then may; then not, at once, once withdrawn.
    _problem(client.post("/api/v1/auth/act-as", json={"uscc": TEA_COMPANY}, headers=zhang), 403, "not_an_agent")
    denied = client.post(
        f"/api/v1/entities/{TEA_COMPANY}/agents", json={"id_number": QIAN, "name": "钱多多"}, headers=zhang
    )
    _problem(denied, 403, "not_legal_representative")
    agent = client.post(
        f"/api/v1/entities/{TEA_COMPANY}/agents", json={"id_number": ZHANG, "name": "张三"}, headers=qian
    )
    assert agent.status_code == 201, agent.text
    as_agent = client.post("/api/v1/auth/act-as", json={"uscc": TEA_COMPANY}, headers=zhang)
    assert as_agent.status_code == 200
    agent_token = {"Authorization": f"Bearer {as_agent.json()['access_token']}"}
    assert client.get("/api/v1/licenses", headers=agent_token).status_code == 200
    assert [e["role"] for e in client.get("/api/v1/entities", headers=zhang).json()] == ["agent"]
    listed = client.get(f"/api/v1/entities/{TEA_COMPANY}/agents", headers=qian).json()
    assert [(a["person_id_number"], a["revoked_at"]) for a in listed] == [(ZHANG, None)]
    withdrawn = client.delete(f"/api/v1/entities/{TEA_COMPANY}/agents/{agent.json()['id']}", headers=qian)
    assert withdrawn.status_code == 200 and withdrawn.json()["revoked_at"] is not None
    _problem(client.get("/api/v1/licenses", headers=agent_token), 401, "token_revoked")
    assert client.get("/api/v1/licenses", headers=as_entity).status_code == 200  # the representative's stays
    # The agent was told in their inbox when authorised.
    assert [n["kind"] for n in client.get("/api/v1/me/notifications", headers=zhang).json()] == ["agent_granted"]
