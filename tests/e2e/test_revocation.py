"""Revoked tokens are refused by every service itself, not only by the gateway (docs/identity.md,
Revocation), in both run modes: a token handed to data-sharing, service-management or a business
system directly is refused (401 `token_revoked`) within the documented bound after a password
change, an integrator application's deactivation or an agent's withdrawn authorisation; a service
that starts afterwards refuses it at once (it reads the revocations from the beginning); and the
standalone platform's public port does not serve the services' internal mounts."""

from __future__ import annotations

import time

import httpx

from tests.e2e.platform import ADULTS, DEMO_PASSWORD, Applicant, Platform, login
from tests.service_management.e2e_helpers import fresh_applicant, restart_service_management

# The documented bound (docs/identity.md): from the revocation's answer at the gateway to refusal
# by a service reached directly.
BOUND_SECONDS = 10.0
TEA_COMPANY = "91330122MA28D0K3XN"  # demo legal-entity registry: representative 钱多多 (ADULTS[5])
STAFF = "handler-psb"  # a demo staff account no other end-to-end test logs in with

# A read each service answers 200 for the account used with it.
SM_READ = ("service-management", "/api/v1/cases")
DS_READ = ("data-sharing", "/api/v1/catalogue/resources")
BS_READ = ("business-systems.psb", "/api/v1/worklist")


def _direct(platform: Platform, service: tuple[str, str], headers: dict[str, str]) -> httpx.Response:
    name, path = service
    return httpx.get(platform.services[name] + path, headers=headers, timeout=30)


def _refused_within_bound(platform: Platform, service: tuple[str, str], headers: dict[str, str]) -> float:
    """Polls the service directly until it refuses the token; returns how long that took."""
    started = time.monotonic()
    while True:
        response = _direct(platform, service, headers)
        elapsed = time.monotonic() - started
        if response.status_code == 401:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "token_revoked", response.text
            return elapsed
        assert response.status_code == 200, (service, response.text)
        assert elapsed < BOUND_SECONDS, f"{service[0]} still accepts a revoked token after {elapsed:.1f}s"
        time.sleep(0.05)


def _change_password(client: httpx.Client, username: str, current: str, new: str) -> None:
    changed = client.post(
        "/api/v1/auth/password", json={"username": username, "current_password": current, "new_password": new}
    )
    assert changed.status_code == 204, changed.text


def test_after_a_password_change_every_service_refuses_the_old_token(platform: Platform) -> None:
    with platform.client() as client:
        applicant = fresh_applicant(client)
        old = applicant.headers
        staff_old = login(client, STAFF, DEMO_PASSWORD)
        assert _direct(platform, SM_READ, old).status_code == 200
        assert _direct(platform, DS_READ, old).status_code == 200
        assert _direct(platform, BS_READ, staff_old).status_code == 200

        _change_password(client, applicant.id_number, "secret-pass-1", "secret-pass-2")
        _change_password(client, STAFF, DEMO_PASSWORD, "changed-pass-9")
        try:
            delays = [
                _refused_within_bound(platform, SM_READ, old),
                _refused_within_bound(platform, DS_READ, old),
                _refused_within_bound(platform, BS_READ, staff_old),
            ]
            print(f"{platform.mode}: refused directly after {', '.join(f'{d:.3f}s' for d in delays)}")
            assert client.get("/api/v1/me", headers=old).json()["code"] == "token_revoked"

            new = login(client, applicant.id_number, "secret-pass-2")
            assert _direct(platform, SM_READ, new).status_code == 200
            assert _direct(platform, DS_READ, new).status_code == 200
            assert _direct(platform, BS_READ, login(client, STAFF, "changed-pass-9")).status_code == 200
        finally:
            _change_password(client, STAFF, "changed-pass-9", DEMO_PASSWORD)

        # A service that starts after the revocation reads it from the beginning: it refuses the
        # old token from its first answer (in standalone mode the whole process restarts).
        restart_service_management(platform)
        restarted = _direct(platform, SM_READ, old)
        assert restarted.status_code == 401 and restarted.json()["code"] == "token_revoked", restarted.text
        assert _direct(platform, SM_READ, new).status_code == 200


def test_a_deactivated_integrator_is_refused_by_data_sharing_itself(platform: Platform) -> None:
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        registered = client.post(
            "/api/v1/client-applications", headers=admin, json={"name": "吊销测试系统", "contact": "测试"}
        )
        assert registered.status_code == 201, registered.text
        app = registered.json()
        token = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(app["client_id"], app["client_secret"]),
        )
        assert token.status_code == 200, token.text
        integrator = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert _direct(platform, DS_READ, integrator).status_code == 200

        deactivated = client.patch(
            f"/api/v1/client-applications/{app['client_id']}", headers=admin, json={"active": False}
        )
        assert deactivated.status_code == 200, deactivated.text
        _refused_within_bound(platform, DS_READ, integrator)


def test_an_agents_withdrawn_authorisation_ends_their_token_at_service_management(platform: Platform) -> None:
    with platform.client() as client:
        representative = Applicant(client, ADULTS[5], name="钱多多").raise_by_phone()
        opened = client.post("/api/v1/entities", json={"uscc": TEA_COMPANY}, headers=representative.headers)
        assert opened.status_code in (201, 409), opened.text  # the platform is shared by the session's tests
        agent_person = fresh_applicant(client, name="经办人")
        granted = client.post(
            f"/api/v1/entities/{TEA_COMPANY}/agents",
            json={"id_number": agent_person.id_number, "name": "经办人"},
            headers=representative.headers,
        )
        assert granted.status_code == 201, granted.text

        def acting(person: Applicant) -> dict[str, str]:
            response = client.post("/api/v1/auth/act-as", json={"uscc": TEA_COMPANY}, headers=person.headers)
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        as_agent, as_representative = acting(agent_person), acting(representative)
        assert _direct(platform, SM_READ, as_agent).status_code == 200

        withdrawn = client.delete(
            f"/api/v1/entities/{TEA_COMPANY}/agents/{granted.json()['id']}", headers=representative.headers
        )
        assert withdrawn.status_code == 200, withdrawn.text
        _refused_within_bound(platform, SM_READ, as_agent)
        # The representative's standing is another one: their token for the entity stays.
        assert _direct(platform, SM_READ, as_representative).status_code == 200
        # Authorised again, the agent acts under a new authorisation, which no revocation names.
        again = client.post(
            f"/api/v1/entities/{TEA_COMPANY}/agents",
            json={"id_number": agent_person.id_number, "name": "经办人"},
            headers=representative.headers,
        )
        assert again.status_code == 201, again.text
        assert _direct(platform, SM_READ, acting(agent_person)).status_code == 200
        assert _direct(platform, SM_READ, as_agent).status_code == 401


def test_the_standalone_public_port_does_not_serve_the_internal_mounts(standalone_platform: Platform) -> None:
    platform = standalone_platform
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        for method, path in [
            ("GET", "/internal/data-sharing/api/v1/licenses"),
            ("POST", "/internal/service-management/api/v1/cases"),
            ("GET", "/internal/business/amr/api/v1/worklist"),
            ("GET", "/internal/data-sharing/openapi.json"),
            ("GET", "/internal/service-management/readyz"),
        ]:
            response = client.request(method, path, headers=admin, json={} if method == "POST" else None)
            assert response.status_code == 404, (path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    # The services answer on the internal listener (127.0.0.1 only), their OpenAPI under their mount.
    for service in ("service-management", "data-sharing", "business-systems.amr"):
        assert platform.services[service].startswith("http://127.0.0.1:")
        document = httpx.get(f"{platform.services[service]}/openapi.json", timeout=30)
        assert document.status_code == 200 and document.json()["openapi"].startswith("3."), service
