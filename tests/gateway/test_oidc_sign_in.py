"""Sign-in through the provincial identity platform (OpenID Connect, docs/identity.md), end to end:
the gateway against a real OpenID provider (panva/oidc-provider, tests/oidc_provider) on loopback,
on SQLite and on the real PostgreSQL. The person's browser is played with plain HTTP.

What must hold: a person signs in at L3 (a new account, or theirs, linked); an account registered
under their number in another name is taken back and its squatter's sessions end; the state is
single use and short-lived; the return path stays on this site; PKCE is really used; a provider
that is down is a 503 with Retry-After, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gov_common.db import utcnow
from portal_gateway.app import migrate
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone
from tests.oidc_provider.process import OidcProvider, free_port
from tests.service_management.e2e_helpers import fresh_id_number

CLIENT_ID = "portal-gateway"
# Characters that must be form-encoded in HTTP Basic (RFC 6749, section 2.3.1).
CLIENT_SECRET = "s3cret:with+special/chars%"
CALLBACK = "http://testserver/api/v1/auth/oidc/callback"

NEWCOMER, NEWCOMER_NAME = fresh_id_number(), "林新来"
OWNER, OWNER_NAME = fresh_id_number(), "周本人"
LOYAL, LOYAL_NAME = fresh_id_number(), "吴老户"
STATE_PERSON = fresh_id_number()
_valid = fresh_id_number()
BAD_NUMBER = _valid[:-1] + ("0" if _valid[-1] != "0" else "1")  # a wrong check character
ACCOUNTS: dict[str, dict[str, Any]] = {
    "newcomer": {"name": NEWCOMER_NAME, "id_number": NEWCOMER},
    "owner": {"name": OWNER_NAME, "id_number": OWNER},
    "loyal": {"name": LOYAL_NAME, "id_number": LOYAL},
    "state-person": {"name": "郑状态", "id_number": STATE_PERSON},
    "bad-number": {"name": "错号码", "id_number": BAD_NUMBER},
    "no-number": {"name": "无号码"},
}


def _settings(tmp_path: Path, url: str, issuer: str) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_redirect_uri=CALLBACK,
    )


def _provider(log_dir: Path, accounts: dict[str, dict[str, Any]] = ACCOUNTS) -> OidcProvider:
    return OidcProvider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=CALLBACK,
        accounts=accounts,
        log_path=log_dir / f"oidc-provider-{uuid.uuid4().hex[:6]}.log",
    )


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    started = _provider(tmp_path_factory.mktemp("oidc-provider")).start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gateway(
    request: pytest.FixtureRequest, provider: OidcProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, str]]:
    tmp_path = tmp_path_factory.mktemp("gw-oidc")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gw.db'}"
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database(f"gw_oidc_{uuid.uuid4().hex[:6]}")
    settings = _settings(tmp_path, url, provider.issuer)
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        yield client, url


def _start(client: TestClient, return_to: str = "/my") -> str:
    started = client.get("/api/v1/auth/oidc/login", params={"return_to": return_to}, follow_redirects=False)
    assert started.status_code == 302, started.text
    return str(started.headers["location"])


def _callback(client: TestClient, location: str) -> Any:
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def _signed_in(response: Any) -> dict[str, str]:
    """The fragment of the redirect to the UI's landing page."""
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/login/oidc" and not location.query and not location.netloc
    return dict(parse_qsl(location.fragment))


def _sign_in(client: TestClient, provider: OidcProvider, account: str, return_to: str = "/my") -> dict[str, str]:
    return _signed_in(_callback(client, provider.log_in(_start(client, return_to), account)))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qsl(parts.query)}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def _sql(url: str, statement: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def test_the_log_in_page_learns_that_the_platform_is_offered(gateway: tuple[TestClient, str]) -> None:
    client, _ = gateway
    info = client.get("/api/v1/auth/oidc")
    assert info.status_code == 200
    assert info.json() == {"enabled": True, "name": "浙江政务服务网统一身份认证"}


def test_a_new_person_signs_in_at_l3(gateway: tuple[TestClient, str], provider: OidcProvider) -> None:
    client, url = gateway
    authorization = _start(client, "/my/cases?tab=open")
    query = _query(authorization)
    assert authorization.startswith(provider.issuer + "/auth?")
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == CALLBACK
    assert query["response_type"] == "code" and query["scope"] == "openid profile"
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]

    landed = _signed_in(_callback(client, provider.log_in(authorization, "newcomer")))
    assert landed["return_to"] == "/my/cases?tab=open" and landed["expires_in"] == "3600"
    claims = jwt.decode(landed["access_token"], options={"verify_signature": False})
    assert claims["loa"] == 3 and claims["typ"] == "person" and claims["idn"] == NEWCOMER
    assert claims["name"] == NEWCOMER_NAME and claims["tgen"] == 0

    me = client.get("/api/v1/me", headers=_bearer(landed["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == NEWCOMER and me.json()["name"] == NEWCOMER_NAME
    [account] = _sql(
        url,
        "SELECT id, assurance_level, identity_source, assurance_raised_by, assurance_raised_at, password_hash, "
        "phone FROM accounts WHERE username = :u",
        u=NEWCOMER,
    )
    assert account.assurance_level == 3 and account.identity_source == "oidc"
    assert account.assurance_raised_by == provider.issuer and account.assurance_raised_at is not None
    assert account.password_hash.startswith("$argon2") and account.phone is None
    [link] = _sql(
        url, "SELECT provider, subject, last_login_at FROM external_identities WHERE account_id = :a", a=account.id
    )
    assert link.provider == provider.issuer and link.subject == "newcomer" and link.last_login_at is not None

    # Signing in again finds the same account through the link; the first token stays good.
    again = _sign_in(client, provider, "newcomer")
    assert jwt.decode(again["access_token"], options={"verify_signature": False})["sub"] == account.id
    assert _sql(url, "SELECT count(*) AS n FROM accounts WHERE username = :u", u=NEWCOMER)[0].n == 1
    assert client.get("/api/v1/me", headers=_bearer(landed["access_token"])).status_code == 200


def test_an_account_in_another_name_is_taken_back(gateway: tuple[TestClient, str], provider: OidcProvider) -> None:
    client, url = gateway
    squatter = {
        "account_type": "person",
        "id_number": OWNER,
        "name": "冒名者",
        "phone": "13900001111",
        "password": "squatter-pass-1",
    }
    assert client.post("/api/v1/auth/register", json=squatter).status_code == 201
    token = client.post("/api/v1/auth/token", data={"username": OWNER, "password": "squatter-pass-1"})
    assert token.status_code == 200
    squatter_session = _bearer(token.json()["access_token"])
    assert client.get("/api/v1/me", headers=squatter_session).json()["name"] == "冒名者"

    landed = _sign_in(client, provider, "owner")
    owner = _bearer(landed["access_token"])
    me = client.get("/api/v1/me", headers=owner)
    assert me.status_code == 200 and me.json()["name"] == OWNER_NAME and me.json()["phone"] is None
    claims = jwt.decode(landed["access_token"], options={"verify_signature": False})
    assert claims["loa"] == 3 and claims["tgen"] == 1

    # Every session of the squatter ended, and their password opens nothing any more.
    _problem(client.get("/api/v1/me", headers=squatter_session), 401, "token_revoked")
    assert client.post("/api/v1/auth/token", data={"username": OWNER, "password": "squatter-pass-1"}).status_code == 401
    [row] = _sql(
        url,
        "SELECT name, reclaimed_by, reclaimed_at, token_generation, assurance_level FROM accounts WHERE username = :u",
        u=OWNER,
    )
    assert row.name == OWNER_NAME and row.reclaimed_by == provider.issuer and row.reclaimed_at is not None
    assert row.token_generation == 1 and row.assurance_level == 3
    inbox = client.get("/api/v1/me/notifications", headers=owner)
    assert inbox.status_code == 200, inbox.text
    [notice] = [n for n in inbox.json() if n["kind"] == "account_reclaimed"]
    assert notice["title"] == "账号已收回到您的名下" and "浙江政务服务网统一身份认证" in notice["body"]


def test_the_owners_own_account_is_linked_and_raised_not_taken_back(
    gateway: tuple[TestClient, str], provider: OidcProvider
) -> None:
    client, url = gateway
    own = {"account_type": "person", "id_number": LOYAL, "name": LOYAL_NAME, "phone": "13900002222"}
    assert client.post("/api/v1/auth/register", json=own | {"password": "loyal-pass-1"}).status_code == 201
    before = client.post("/api/v1/auth/token", data={"username": LOYAL, "password": "loyal-pass-1"})
    assert jwt.decode(before.json()["access_token"], options={"verify_signature": False}).get("loa") in (None, 1)

    landed = _sign_in(client, provider, "loyal")
    assert jwt.decode(landed["access_token"], options={"verify_signature": False})["loa"] == 3
    # Nothing ends: the password session still works, and so does the password.
    assert client.get("/api/v1/me", headers=_bearer(before.json()["access_token"])).status_code == 200
    assert client.post("/api/v1/auth/token", data={"username": LOYAL, "password": "loyal-pass-1"}).status_code == 200
    [row] = _sql(
        url,
        "SELECT id, phone, reclaimed_by, token_generation, assurance_level, identity_source FROM accounts "
        "WHERE username = :u",
        u=LOYAL,
    )
    assert row.phone == "13900002222" and row.reclaimed_by is None and row.token_generation == 0
    assert row.assurance_level == 3 and row.identity_source == "oidc"
    assert _sql(url, "SELECT account_id FROM external_identities WHERE subject = 'loyal'")[0].account_id == row.id
    inbox = client.get("/api/v1/me/notifications", headers=_bearer(landed["access_token"])).json()
    assert not [n for n in inbox if n["kind"] == "account_reclaimed"]


def test_the_state_is_single_use_and_short_lived(gateway: tuple[TestClient, str], provider: OidcProvider) -> None:
    client, url = gateway
    started = client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    binding = started.headers["set-cookie"]
    assert binding.startswith("gov_oidc_") and _query(started.headers["location"])["state"] in binding
    assert all(a in binding for a in ("HttpOnly", "Max-Age=600", "Path=/api/v1/auth/oidc", "SameSite=lax"))
    callback = provider.log_in(started.headers["location"], "state-person")
    state = _query(callback)["state"]

    # A state the gateway never issued, or none, is refused; the real one is left intact.
    forged = _problem(_callback(client, _with_query(callback, state="forged-" + state[:20])), 400, "oidc_state_invalid")
    assert forged["errors"][0]["field"] == "state"
    _problem(_callback(client, _with_query(callback, state=None)), 400, "oidc_state_invalid")
    _signed_in(_callback(client, callback))
    assert not [c for c in client.cookies.jar if c.name.startswith("gov_oidc_")]  # the binding is cleared
    # Used once, it is gone: a replayed callback signs nobody in.
    _problem(_callback(client, callback), 400, "oidc_state_invalid")

    # A callback carried to another browser (one that did not start the sign-in) signs nobody in
    # there, and the login is used up.
    carried = provider.log_in(_start(client), "state-person")
    other_browser = TestClient(client.app)  # no lifespan of its own: the same running gateway
    elsewhere = _problem(_callback(other_browser, carried), 400, "oidc_state_invalid")
    assert "另一个浏览器" in elsewhere["detail"]
    _problem(_callback(client, carried), 400, "oidc_state_invalid")

    # A login older than ten minutes is dead.
    late = provider.log_in(_start(client), "state-person")
    _sql(
        url,
        "UPDATE oidc_logins SET created_at = :t WHERE state = :s",
        t=utcnow() - timedelta(minutes=11),
        s=_query(late)["state"],
    )
    _problem(_callback(client, late), 400, "oidc_state_invalid")
    assert not _sql(url, "SELECT state FROM oidc_logins WHERE state = :s", s=_query(late)["state"])


@pytest.mark.parametrize(
    "return_to", ["//evil.example/phish", "https://evil.example/", "/\\evil.example", "my/cases", "/my\r\nX: 1"]
)
def test_the_return_path_stays_on_this_site(gateway: tuple[TestClient, str], return_to: str) -> None:
    client, _ = gateway
    refused = client.get("/api/v1/auth/oidc/login", params={"return_to": return_to}, follow_redirects=False)
    body = _problem(refused, 422, "return_to_invalid")
    assert body["errors"][0]["field"] == "return_to"


def test_pkce_is_required_by_the_provider_and_used_by_the_gateway(
    gateway: tuple[TestClient, str], provider: OidcProvider
) -> None:
    client, url = gateway
    authorization = _start(client)
    query = _query(authorization)
    [login] = _sql(url, "SELECT code_verifier, nonce FROM oidc_logins WHERE state = :s", s=query["state"])
    assert query["code_challenge_method"] == "S256"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(login.code_verifier.encode()).digest()).rstrip(b"=")
    assert query["code_challenge"] == challenge.decode() and 43 <= len(login.code_verifier) <= 128
    assert query["nonce"] == login.nonce

    # The provider refuses an authorization request without a challenge ...
    with_no_pkce = _with_query(authorization, code_challenge=None, code_challenge_method=None)
    refused = httpx.get(with_no_pkce, follow_redirects=False)
    assert refused.status_code == 303 and "PKCE" in _query(refused.headers["location"])["error_description"]
    denied = _problem(_callback(client, refused.headers["location"]), 401, "oidc_denied")
    assert denied["provider_error"] == "invalid_request"

    # ... and a code exchanged with another verifier than the challenge's: the gateway sends its own.
    callback = provider.log_in(_start(client), "state-person")
    _sql(url, "UPDATE oidc_logins SET code_verifier = :v WHERE state = :s", v="x" * 64, s=_query(callback)["state"])
    refused_code = _problem(_callback(client, callback), 401, "oidc_code_invalid")
    assert refused_code["provider_error"] == "invalid_grant"


def test_the_id_token_must_answer_this_login(gateway: tuple[TestClient, str], provider: OidcProvider) -> None:
    client, url = gateway
    callback = provider.log_in(_start(client), "state-person")
    # The ID token carries the nonce of the login it answers; another login's is refused.
    _sql(url, "UPDATE oidc_logins SET nonce = :n WHERE state = :s", n="another-login", s=_query(callback)["state"])
    invalid = _problem(_callback(client, callback), 401, "oidc_id_token_invalid")
    assert invalid["errors"][0]["field"] == "nonce"


def test_declining_at_the_provider_signs_nobody_in(gateway: tuple[TestClient, str], provider: OidcProvider) -> None:
    client, _ = gateway
    denied = _problem(_callback(client, provider.decline(_start(client))), 401, "oidc_denied")
    assert denied["provider_error"] == "access_denied"


@pytest.mark.parametrize(
    ("account", "code"), [("bad-number", "resident_id_invalid"), ("no-number", "oidc_claim_missing")]
)
def test_an_id_number_claim_must_be_a_valid_resident_id(
    gateway: tuple[TestClient, str], provider: OidcProvider, account: str, code: str
) -> None:
    client, url = gateway
    refused = _problem(_callback(client, provider.log_in(_start(client), account)), 422, code)
    assert refused["errors"][0]["field"] == "id_number"
    assert not _sql(url, "SELECT account_id FROM external_identities WHERE subject = :s", s=account)


def test_a_provider_that_cannot_be_reached_is_a_503_with_retry_after(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = _settings(tmp_path, f"sqlite:///{tmp_path / 'gw.db'}", dead)
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        assert client.get("/api/v1/auth/oidc").json()["enabled"] is True
        down = client.get("/api/v1/auth/oidc/login", params={"return_to": "/my"}, follow_redirects=False)
        body = _problem(down, 503, "oidc_provider_unavailable")
        assert down.headers["Retry-After"] == "30" and body["retry_after"] == 30


def test_a_provider_that_goes_down_mid_sign_in_is_a_503_with_retry_after(tmp_path: Path) -> None:
    own = _provider(tmp_path, {"someone": {"name": "某人", "id_number": fresh_id_number()}}).start()
    try:
        settings = _settings(tmp_path, f"sqlite:///{tmp_path / 'gw.db'}", own.issuer)
        migrate(settings)
        with TestClient(gateway_alone(settings)) as client:
            callback = own.log_in(_start(client), "someone")
            own.stop()
            down = _callback(client, callback)
            _problem(down, 503, "oidc_provider_unavailable")
            assert down.headers["Retry-After"] == "30"
    finally:
        own.stop()


def test_without_an_issuer_the_sign_in_is_off(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        token_signing_key_path=str(tmp_path / "token.pem"),
    )
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        assert client.get("/api/v1/auth/oidc").json() == {"enabled": False, "name": "浙江政务服务网统一身份认证"}
        _problem(client.get("/api/v1/auth/oidc/login", follow_redirects=False), 404, "oidc_disabled")
        _problem(client.get("/api/v1/auth/oidc/callback?state=x&code=y"), 404, "oidc_disabled")
