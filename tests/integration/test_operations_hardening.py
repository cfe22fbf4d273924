"""What every service's app answers, whatever the service (gov_common.service): `/metrics` only with
the metrics bearer token, or without one only to this machine; `X-Content-Type-Options: nosniff`
on every answer; a 401 for a bad token with a fixed detail, never the token library's message; and
production settings without a metrics token refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

import business_systems.app as business
import data_sharing.app as data_sharing
import portal_gateway.app as gateway
import service_management.app as service_management
from business_systems.settings import Settings as BusinessSettings
from data_sharing.settings import Settings as DataSharingSettings
from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.bus.local import LocalBus
from gov_common.errors import Unauthorized
from gov_common.settings import ServiceSettings
from portal_gateway.settings import Settings as GatewaySettings
from service_management.settings import Settings as ServiceManagementSettings

TOKEN = "scrape-token-0123456789"
LOCAL = ("127.0.0.1", 50000)
REMOTE = ("198.51.100.4", 50000)
# An endpoint of each service that wants a bearer token.
GUARDED = {
    "portal-gateway": "/api/v1/me",
    "service-management": "/api/v1/cases",
    "data-sharing": "/api/v1/licenses",
    "business-systems": "/api/v1/review-chains",
}


def _apps(tmp_path: Path, **extra: str) -> dict[str, FastAPI]:
    """The four services' apps, as standalone mode builds them, without starting their runtimes."""
    bus = LocalBus(str(tmp_path / "bus.db"))
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")

    def common(name: str) -> dict[str, str]:
        return {"environment": "test", "bus": "local", "database_url": f"sqlite:///{tmp_path / name}.db", **extra}

    gw = GatewaySettings(**common("gw"), token_signing_key_path=str(tmp_path / "token.pem"))
    sm = ServiceManagementSettings(**common("sm"), file_store_url=str(tmp_path / "sm-files"))
    ds = DataSharingSettings(**common("ds"), license_signing_key_path=str(tmp_path / "licence.pem"))
    bs = BusinessSettings(**common("bs"), department_code="amr", file_store_url=str(tmp_path / "bs-files"))
    return {
        "portal-gateway": gateway.create_app(
            runtime=gateway.create_runtime(gw, bus=bus, issuer=issuer), manage_lifespan=False
        ),
        "service-management": service_management.create_app(
            runtime=service_management.create_runtime(sm, bus=bus, verifier=verifier), manage_lifespan=False
        ),
        "data-sharing": data_sharing.create_app(
            runtime=data_sharing.create_runtime(ds, bus=bus, verifier=verifier), manage_lifespan=False
        ),
        "business-systems": business.create_app(
            runtime=business.create_runtime(bs, bus=bus, verifier=verifier), manage_lifespan=False
        ),
    }


@pytest.fixture
def apps(tmp_path: Path) -> Callable[..., dict[str, FastAPI]]:
    def make(**extra: str) -> dict[str, FastAPI]:
        return _apps(tmp_path, **extra)

    return make


def test_metrics_want_the_token_or_this_machine(apps: Callable[..., dict[str, FastAPI]]) -> None:
    for name, app in apps(metrics_token=TOKEN).items():
        remote = TestClient(app, client=REMOTE)
        assert remote.get("/metrics").status_code == 401, name
        assert remote.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456"}).status_code == 401
        assert TestClient(app, client=LOCAL).get("/metrics").status_code == 401, "the token is wanted from anywhere"
        scraped = remote.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200 and "gov_http_requests_total" in scraped.text, name
    for name, app in apps().items():
        refused = TestClient(app, client=REMOTE).get("/metrics")
        assert refused.status_code == 403 and refused.json()["code"] == "metrics_local_only", name
        assert TestClient(app, client=LOCAL).get("/metrics").status_code == 200, name


def test_every_answer_says_nosniff_and_a_bad_token_gets_a_fixed_detail(
    apps: Callable[..., dict[str, FastAPI]],
) -> None:
    forged = {"Authorization": "Bearer eyJhbGciOiJFZERTQSIsImtpZCI6Im5vbmUifQ.e30.c2ln"}
    for name, app in apps().items():
        client = TestClient(app, client=LOCAL, raise_server_exceptions=False)
        answers = {
            "health": client.get("/healthz"),
            "metrics": client.get("/metrics"),
            "unknown path": client.get("/api/v1/no-such-thing"),
            "no token": client.get(GUARDED[name]),
            "bad token": client.get(GUARDED[name], headers=forged),
            "not json": client.post(GUARDED[name], content=b"{", headers={"Content-Type": "application/json"}),
        }
        for what, answer in answers.items():
            assert answer.headers.get("X-Content-Type-Options") == "nosniff", (name, what, answer.status_code)
        bad = answers["bad token"]
        refusals = {"登录凭证无效，请重新登录", "登录凭证的签名无法识别，请重新登录"}
        assert bad.status_code == 401 and bad.json()["detail"] in refusals
        assert bad.json()["code"] == "unauthorized", (name, bad.text)


def test_a_bad_token_is_refused_without_the_librarys_words(apps: Callable[..., dict[str, FastAPI]]) -> None:
    client = TestClient(apps()["portal-gateway"], client=LOCAL)
    for token in ("not-a-token", "a.b.c", "x.y"):
        answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and answer.json()["detail"] == "登录凭证无效，请重新登录", answer.text
        assert answer.json()["code"] == "unauthorized"
    # Well signed, but for another audience, or missing a required claim: the same words.
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="another-platform")
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    token = issuer.issue(sub="u1", account_type="person", name="张三", id_number=None, roles=[], department=None)
    with pytest.raises(Unauthorized) as refused:
        verifier.verify(token)
    assert refused.value.detail == "登录凭证无效，请重新登录"


def test_production_refuses_to_start_without_a_metrics_token() -> None:
    production = {"environment": "production", "database_url": "postgresql://x@db/x"}
    with pytest.raises(ValueError, match="metrics_token"):
        ServiceSettings(**production)
    with pytest.raises(ValueError, match="metrics_token"):
        ServiceSettings(**production, metrics_token="short")
    assert ServiceSettings(**production, metrics_token=TOKEN).metrics_token.get_secret_value() == TOKEN


def test_control_characters_are_refused_naming_the_field_in_every_service(
    apps: Callable[..., dict[str, FastAPI]],
) -> None:
    for name, app in apps().items():
        client = TestClient(app, client=LOCAL)
        for body, field in [
            ({"name": "王\u0000试"}, "name"),
            ({"form": {"applicant": {"name": "x\u001by"}}}, "form.applicant.name"),
            ({"steps": [{"role": "ok"}, {"role": "bell\u0007"}]}, "steps.1.role"),
            ({"key\u0008": "value"}, "key\u0008"),
        ]:
            refused = client.post(GUARDED[name], json=body)
            assert refused.status_code == 422, (name, body, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            error = refused.json()["errors"][0]
            assert error["field"] == field and error["code"] == "control_character", (name, error)
            assert refused.headers["X-Content-Type-Options"] == "nosniff"
        in_query = client.get(GUARDED[name], params={"q": "a\u0000"})
        assert in_query.status_code == 422 and in_query.json()["errors"][0]["field"] == "q", name
        # Tab, line feed and carriage return belong in text, and an escaped backslash before "b" or
        # "u0000" is no control character: the request goes on to the endpoint (and its token check).
        for passing in ({"opinion": "第一行\r\n\t第二行"}, {"path": "C:\\bin\\u0000"}):
            assert client.post(GUARDED[name], json=passing).status_code in (401, 405), (name, passing)


def test_the_log_in_form_and_registration_refuse_a_nul_byte(apps: Callable[..., dict[str, FastAPI]]) -> None:
    client = TestClient(apps()["portal-gateway"], client=LOCAL)
    login = client.post("/api/v1/auth/token", data={"username": "admin\u0000", "password": "x"})
    assert login.status_code == 422 and login.json()["errors"][0]["field"] == "username"
    registration = client.post(
        "/api/v1/auth/register",
        json={
            "account_type": "person",
            "id_number": "11010519491231002X",
            "name": "张\u0000三",
            "phone": "13800138000",
            "password": "secret-pass-1",
        },
    )
    assert registration.status_code == 422, registration.text
    assert [(e["field"], e["code"]) for e in registration.json()["errors"]] == [("name", "control_character")]
