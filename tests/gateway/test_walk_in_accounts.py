"""Accounts a window clerk opens for walk-in applicants (窗口代为注册, docs/walk-in-accounts.md),
on SQLite and on the real PostgreSQL: who may open them, the same identity checks as registration,
one account per number, and a one-time initial password that gives no token until it is replaced."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from stdnum.cn import uscc

from portal_gateway.app import migrate
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone
from tests.service_management.e2e_helpers import fresh_id_number, wrong_check_id_number

DEMO_PASSWORD = "demo12345"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, str]]:
    # One gateway per database for the module: seeding the demo staff hashes their passwords (Argon2).
    tmp_path = tmp_path_factory.mktemp("gw-walk-in")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gw.db'}"
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database(f"gw_walkin_{uuid.uuid4().hex[:6]}")
    settings = Settings(
        environment="test",
        database_url=url,
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=True,
        demo_departments=["amr"],
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_clients={"data-sharing": "s3cret-value"},
    )
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        yield client, url


def _token(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def _bearer(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = _token(client, username, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _open(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    payload = {"account_type": "person", "name": "赵大爷", "phone": "13912345678"} | body
    return client.post("/api/v1/accounts/walk-in", json=payload, headers=headers)


def test_a_clerk_opens_an_account_whose_initial_password_must_be_replaced(gateway: tuple[TestClient, str]) -> None:
    client, url = gateway
    clerk = _bearer(client, "clerk")
    id_number = fresh_id_number()

    opened = _open(client, clerk, id_number=id_number)
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["account"]["username"] == id_number and body["account"]["account_type"] == "person"
    assert body["must_change_password"] is True
    initial = body["initial_password"]
    assert len(initial) == 12 and not set(initial) & set("0O1lI")
    # Stored hashed, with the clerk who opened it.
    engine = create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT password_hash, must_change_password, created_by FROM accounts WHERE username = :u"),
            {"u": id_number},
        ).one()
    engine.dispose()
    assert initial not in row.password_hash and row.password_hash.startswith("$argon2")
    assert bool(row.must_change_password) is True and row.created_by == "clerk"

    # The initial password is right, but gives no token; a wrong one stays a plain 401.
    first = _token(client, id_number, initial)
    assert first.status_code == 403, first.text
    assert first.headers["content-type"].startswith("application/problem+json")
    assert first.json()["code"] == "password_change_required"
    assert _token(client, id_number, "not-the-password").status_code == 401

    change = "/api/v1/auth/password"
    wrong = client.post(
        change, json={"username": id_number, "current_password": "nope", "new_password": "new-pass-2026"}
    )
    assert wrong.status_code == 401
    same = client.post(change, json={"username": id_number, "current_password": initial, "new_password": initial})
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "new_password"
    assert same.json()["code"] == "password_unchanged"
    short = client.post(change, json={"username": id_number, "current_password": initial, "new_password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "new_password"
    assert _token(client, id_number, initial).status_code == 403  # nothing changed by the refusals

    done = client.post(
        change, json={"username": id_number, "current_password": initial, "new_password": "new-pass-2026"}
    )
    assert done.status_code == 204, done.text
    assert _token(client, id_number, initial).status_code == 401
    me = client.get("/api/v1/me", headers=_bearer(client, id_number, "new-pass-2026"))
    assert me.status_code == 200 and me.json()["name"] == "赵大爷" and me.json()["phone"] == "13912345678"


def test_only_window_staff_open_accounts_and_the_identity_is_checked(gateway: tuple[TestClient, str]) -> None:
    client, _ = gateway
    clerk, admin = _bearer(client, "clerk"), _bearer(client, "admin")
    reviewer = _bearer(client, "reviewer-amr")
    assert _open(client, reviewer, id_number=fresh_id_number()).status_code == 403
    assert client.post("/api/v1/accounts/walk-in", json={}).status_code == 401

    # An applicant cannot open accounts for others either.
    self_registered = fresh_id_number()
    registered = client.post(
        "/api/v1/auth/register",
        json={
            "account_type": "person",
            "id_number": self_registered,
            "name": "钱某",
            "phone": "13800000000",
            "password": "secret-123456",
        },
    )
    assert registered.status_code == 201
    applicant = _bearer(client, self_registered, "secret-123456")
    assert _open(client, applicant, id_number=fresh_id_number()).status_code == 403

    bad_id = _open(client, clerk, id_number=wrong_check_id_number())
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "id_number"
    bad_phone = _open(client, clerk, id_number=fresh_id_number(), phone="12345")
    assert bad_phone.status_code == 422 and bad_phone.json()["errors"][0]["field"] == "phone"
    assert _open(client, clerk, id_number=fresh_id_number(), password="x").status_code == 422  # no password given

    # Someone with an account already: 409 naming the number, the account untouched.
    taken = _open(client, clerk, id_number=self_registered)
    assert taken.status_code == 409 and taken.json()["code"] == "account_exists"
    assert taken.json()["errors"][0]["field"] == "id_number"
    assert _token(client, self_registered, "secret-123456").status_code == 200

    # An enterprise (legal person) by its unified social credit code, opened by the admin.
    body = "91330122" + "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    code = body + uscc.calc_check_digit(body)
    entity = _open(client, admin, account_type="entity", uscc=code, name="示范县某某餐饮有限公司")
    assert entity.status_code == 201, entity.text
    assert entity.json()["account"]["account_type"] == "entity" and entity.json()["account"]["username"] == code
    assert _open(client, clerk, account_type="entity", uscc=code, name="x").json()["errors"][0]["field"] == "uscc"


def test_a_clerk_resets_a_forgotten_password_which_unlocks_the_account(gateway: tuple[TestClient, str]) -> None:
    client, url = gateway
    clerk = _bearer(client, "clerk")
    id_number = fresh_id_number()
    body = {"account_type": "person", "id_number": id_number, "name": "孙某", "phone": "13800000001"}
    assert client.post("/api/v1/auth/register", json=body | {"password": "forgotten-1"}).status_code == 201
    # A session someone holds from before (the person on another device, or whoever took the password).
    earlier = _bearer(client, id_number, "forgotten-1")
    assert client.get("/api/v1/me", headers=earlier).status_code == 200
    # Guessing locks the name (five failures), as the person tries to remember on another device
    # (the one of the log-in above is known to the account and would get ten: tests/integration/
    # test_login_throttle.py).
    client.cookies.clear()
    assert [_token(client, id_number, f"guess-{i}").status_code for i in range(5)] == [401] * 5
    assert _token(client, id_number, "forgotten-1").status_code == 429

    reset = "/api/v1/accounts/walk-in/password-reset"
    assert (
        client.post(
            reset, json={"account_type": "person", "id_number": id_number}, headers=_bearer(client, "reviewer-amr")
        ).status_code
        == 403
    )
    done = client.post(reset, json={"account_type": "person", "id_number": id_number.lower()}, headers=clerk)
    assert done.status_code == 200, done.text
    initial = done.json()["initial_password"]
    assert done.json()["account"]["username"] == id_number and done.json()["must_change_password"] is True

    # Unlocked at once; the old password is gone, and so is the session from before (the gateway's own
    # endpoints and those it forwards alike); the new one must be replaced before a token.
    assert _token(client, id_number, "forgotten-1").status_code == 401
    for path in ("/api/v1/me", "/api/v1/me/notifications", "/api/v1/cases"):
        revoked = client.get(path, headers=earlier)
        assert revoked.status_code == 401 and revoked.json()["code"] == "token_revoked", (path, revoked.text)
    assert _token(client, id_number, initial).json()["code"] == "password_change_required"
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": id_number, "current_password": initial, "new_password": "remembered-2"},
    )
    assert changed.status_code == 204
    assert _token(client, id_number, "remembered-2").status_code == 200
    # Changing the password ends the other sessions too: the one opened just now included.
    current = _bearer(client, id_number, "remembered-2")
    assert (
        client.post(
            "/api/v1/auth/password",
            json={"username": id_number, "current_password": "remembered-2", "new_password": "remembered-3"},
        ).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=current).json()["code"] == "token_revoked"
    assert client.get("/api/v1/me", headers=_bearer(client, id_number, "remembered-3")).status_code == 200
    # The applicant's inbox records the reset and who made it.
    inbox = client.get("/api/v1/me/notifications", headers=_bearer(client, id_number, "remembered-3"))
    assert inbox.status_code == 200, inbox.text
    [notice] = [n for n in inbox.json() if n["kind"] == "password_reset"]
    assert notice["title"] == "登录密码已在窗口重置" and "（综合窗口人员）" in notice["body"]
    engine = create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT password_reset_by, password_reset_at, created_by FROM accounts WHERE username = :u"),
            {"u": id_number},
        ).one()
    engine.dispose()
    assert row.password_reset_by == "clerk" and row.password_reset_at is not None and row.created_by is None

    unknown = client.post(reset, json={"account_type": "person", "id_number": fresh_id_number()}, headers=clerk)
    assert unknown.status_code == 404 and unknown.json()["code"] == "account_not_found"
    assert unknown.json()["errors"][0]["field"] == "id_number"
    bad = client.post(reset, json={"account_type": "entity", "uscc": "91330122MA2B3C4D5X"}, headers=clerk)
    assert bad.status_code in (404, 422) and bad.json()["errors"][0]["field"] == "uscc"
    # A staff account is not an applicant's: not reset here.
    staff = client.post(reset, json={"account_type": "person", "id_number": "clerk"}, headers=clerk)
    assert staff.status_code == 422 and staff.json()["errors"][0]["field"] == "id_number"
