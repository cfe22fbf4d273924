"""The staff second factor (TOTP, docs/identity.md) through the real gateway on SQLite and on
PostgreSQL: enrolment and its confirmation, the code at the password grant, wrong codes counted as
failed log-ins (and not wiped by a right password alone), codes never accepted twice, the
requirement (on in production, off in tests unless set), the admin's reset; applicants unaffected."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from portal_gateway.accounts import totp as staff_totp
from portal_gateway.app import migrate
from portal_gateway.models import Account
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone
from tests.gateway.test_password_profiles import PRODUCTION
from tests.service_management.e2e_helpers import fresh_id_number

DEMO_PASSWORD = "demo12345"
STAFF = "reviewer-amr"


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gw.db'}"
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database(f"gw_totp_{uuid.uuid4().hex[:6]}")
    base: dict[str, Any] = {
        "environment": "test",
        "database_url": url,
        "bus": "local",
        "local_bus_path": str(tmp_path / "bus.db"),
        "seed_demo": True,
        "demo_departments": ["amr"],
        "token_signing_key_path": str(tmp_path / "token.pem"),
    }
    migrate(Settings(**base))
    clients: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        client = TestClient(gateway_alone(Settings(**(base | settings))))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _login(client: TestClient, username: str, password: str = DEMO_PASSWORD, **form: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password} | form)


def _bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _enrol(client: TestClient, username: str = STAFF) -> pyotp.TOTP:
    enrolment = client.post("/api/v1/auth/totp/enrol", json={"username": username, "password": DEMO_PASSWORD})
    assert enrolment.status_code == 200, enrolment.text
    return pyotp.TOTP(enrolment.json()["secret"])


def _confirm(client: TestClient, code: str, username: str = STAFF) -> httpx.Response:
    return client.post(
        "/api/v1/auth/totp/confirm", json={"username": username, "password": DEMO_PASSWORD, "code": code}
    )


def _enrolled(client: TestClient, username: str = STAFF) -> tuple[pyotp.TOTP, str]:
    """Enrolled and confirmed; the code the confirmation used (it is spent)."""
    authenticator = _enrol(client, username)
    code = authenticator.now()
    assert _confirm(client, code, username).status_code == 204
    return authenticator, code


def _next_code(authenticator: pyotp.TOTP) -> str:
    # The next step's code: accepted (one step either side), and later than any code used so far.
    return authenticator.at(time.time() + 30)


def _wrong_code(authenticator: pyotp.TOTP) -> str:
    near = {authenticator.at(time.time() + 30 * offset) for offset in range(-2, 4)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in near)


def test_enrol_confirm_and_log_in_with_a_code(gateway_factory: Callable[..., TestClient]) -> None:
    client = gateway_factory()
    enrolment = client.post("/api/v1/auth/totp/enrol", json={"username": STAFF, "password": DEMO_PASSWORD})
    assert enrolment.status_code == 200, enrolment.text
    secret, uri = enrolment.json()["secret"], enrolment.json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "issuer=" in uri
    authenticator = pyotp.TOTP(secret)
    # Not confirmed yet: the log-in is as before.
    assert _login(client, STAFF).status_code == 200

    _problem(_confirm(client, _wrong_code(authenticator)), 401, "totp_invalid")
    assert _confirm(client, "12ab56").status_code == 422
    _problem(
        client.post("/api/v1/auth/totp/confirm", json={"username": STAFF, "password": "nope", "code": "123456"}),
        401,
        "unauthorized",
    )
    confirmed_with = authenticator.now()
    assert _confirm(client, confirmed_with).status_code == 204
    _problem(
        client.post("/api/v1/auth/totp/enrol", json={"username": STAFF, "password": DEMO_PASSWORD}),
        409,
        "totp_already_enrolled",
    )

    missing = _problem(_login(client, STAFF), 401, "totp_required")
    assert missing["errors"][0]["field"] == "totp"
    _problem(_login(client, STAFF, totp=confirmed_with), 401, "totp_invalid")  # spent by the confirmation
    code = _next_code(authenticator)
    headers = _bearer(_login(client, STAFF, totp=code))
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json()["username"] == STAFF
    # Replayed (an overheard code, within its window): refused.
    _problem(_login(client, STAFF, totp=code), 401, "totp_invalid")
    # The password is still checked first.
    _problem(_login(client, STAFF, "wrong-password", totp=_next_code(authenticator)), 401, "unauthorized")


def test_wrong_codes_count_as_failed_logins_until_a_right_code(gateway_factory: Callable[..., TestClient]) -> None:
    client = gateway_factory(login_max_failures_per_account=5)
    authenticator, _ = _enrolled(client)
    wrong = _wrong_code(authenticator)
    assert [_login(client, STAFF, totp=wrong).status_code for _ in range(3)] == [401] * 3
    # A right password alone (a log-in without the code, a password change) does not wipe them,
    # though a password change clears the failed passwords of the name.
    _problem(_login(client, STAFF), 401, "totp_required")
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": STAFF, "current_password": DEMO_PASSWORD, "new_password": "another-pass-2026"},
    )
    assert changed.status_code == 204, changed.text
    assert [_login(client, STAFF, "another-pass-2026", totp=wrong).status_code for _ in range(2)] == [401] * 2
    right = _next_code(authenticator)
    locked = _problem(_login(client, STAFF, "another-pass-2026", totp=right), 429, "too_many_requests")
    assert locked["reason"] == "account" and int(locked.get("retry_after", 0)) >= 1
    # Other staff are not affected.
    assert _login(client, "clerk").status_code == 200


def test_a_code_is_accepted_once_even_by_two_log_ins_at_the_same_moment(
    gateway_factory: Callable[..., TestClient],
) -> None:
    client = gateway_factory()
    authenticator, _ = _enrolled(client)
    code = _next_code(authenticator)
    app: FastAPI = client.app  # type: ignore[assignment]
    db = app.state.runtime.db
    first_updated, outcomes = threading.Event(), {}

    def log_in(name: str, hold: bool) -> None:
        with db.session() as session:
            account = session.scalars(select(Account).where(Account.username == STAFF)).one()
            try:
                staff_totp._accept(session, account, code, field="totp")
            except staff_totp.TotpInvalid:
                outcomes[name] = "refused"
                return
            finally:
                if hold:
                    first_updated.set()
            outcomes[name] = "accepted"
            if hold:
                time.sleep(0.3)  # the other log-in meanwhile reads the step before this one commits

    first = threading.Thread(target=log_in, args=("first", True))
    first.start()
    assert first_updated.wait(10)
    second = threading.Thread(target=log_in, args=("second", False))
    second.start()
    first.join(20)
    second.join(20)
    assert outcomes == {"first": "accepted", "second": "refused"}


def test_not_enrolled_staff_are_refused_when_required_and_applicants_are_unaffected(
    gateway_factory: Callable[..., TestClient],
) -> None:
    client = gateway_factory(staff_totp_required=True)
    _problem(_login(client, STAFF), 403, "totp_enrolment_required")
    _problem(_login(client, STAFF, totp="123456"), 403, "totp_enrolment_required")

    person = fresh_id_number()
    registered = client.post(
        "/api/v1/auth/register",
        json={"account_type": "person", "id_number": person, "name": "王试", "phone": "13800000000"}
        | {"password": "secret-123456"},
    )
    assert registered.status_code == 201, registered.text
    assert _login(client, person, "secret-123456").status_code == 200
    _problem(
        client.post("/api/v1/auth/totp/enrol", json={"username": person, "password": "secret-123456"}),
        403,
        "totp_staff_only",
    )

    # Enrolment needs no token: the password and the first code.
    authenticator, _ = _enrolled(client)
    _problem(_login(client, STAFF), 401, "totp_required")
    assert _login(client, STAFF, totp=_next_code(authenticator)).status_code == 200


def test_the_requirement_is_on_in_production_and_off_in_tests_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GW_PASSWORD_HASH", raising=False)  # the suite's fast hashing, which production refuses
    production: dict[str, Any] = dict(PRODUCTION)
    assert Settings(**production).totp_required_for_staff is True
    assert Settings(**production, staff_totp_required=False).totp_required_for_staff is False
    assert Settings(environment="test").totp_required_for_staff is False
    assert Settings(environment="development").totp_required_for_staff is False
    monkeypatch.setenv("GW_STAFF_TOTP_REQUIRED", "true")
    assert Settings(environment="test").totp_required_for_staff is True


def test_the_admin_resets_a_lost_second_factor(gateway_factory: Callable[..., TestClient]) -> None:
    client = gateway_factory()
    authenticator, _ = _enrolled(client)
    staff_headers = _bearer(_login(client, STAFF, totp=_next_code(authenticator)))
    admin, clerk = _bearer(_login(client, "admin")), _bearer(_login(client, "clerk"))
    reset = f"/api/v1/staff/{STAFF}/totp/reset"

    assert client.post(reset).status_code == 401
    _problem(client.post(reset, headers=clerk), 403, "forbidden")
    _problem(client.post(reset, headers=staff_headers), 403, "forbidden")
    _problem(client.post("/api/v1/staff/nobody/totp/reset", headers=admin), 404, "account_not_found")
    assert client.post(reset, headers=admin).status_code == 204

    # The sessions of the account end, and it logs in with the password alone (not required here)
    # until it enrols again, with a new secret.
    _problem(client.get("/api/v1/me", headers=staff_headers), 401, "token_revoked")
    assert _login(client, STAFF).status_code == 200
    again = _enrol(client)
    assert again.secret != authenticator.secret
