"""Governed data through the gateway, in both run modes: the admin registers an integrator's client
application; without a grant it is refused (and the refusal is on record); the owning department
grants two fields and the integrator receives exactly those two; the person sees who read their data;
the audit chain verifies."""

from __future__ import annotations

import time
from typing import Any

import httpx

from data_sharing.audit.checkpoints import public_keys_from_jwks
from data_sharing.audit.verify_segment import verify_segment
from tests.e2e.platform import DEMO_PASSWORD, Applicant, Platform, login

PERSON = "330122198807070015"  # not used by the other end-to-end tests
DIVISIONS = "code,name,parent_code\n330000,浙江省,\n330100,杭州市,330000\n330122,桐庐县,330100\n"
PEOPLE = (
    "id_number,name,household_division_code,residence_address,phone\n"
    f"{PERSON},吴九,330122,浙江省杭州市桐庐县城南街道迎春路9号,13500135009\n"
    "330122198807070016,错号,330122,某地,13500135010\n"
)


def _import(client: httpx.Client, admin: dict[str, str], resource: str, csv: str) -> dict:  # type: ignore[type-arg]
    response = client.post(
        f"/api/v1/registries/{resource}/imports",
        content=csv.encode(),
        headers={**admin, "content-type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _wait_for_checkpoint(client: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        verified = client.get("/api/v1/audit/verify", headers=admin).json()
        if verified["checkpoint"] is not None and verified["checkpoint"]["seq"] >= 1:
            assert verified["valid"] is True, verified
            return dict(verified["checkpoint"])
        assert time.monotonic() < deadline, f"no audit checkpoint within 30 s: {verified}"
        time.sleep(0.5)


def _client_token(client: httpx.Client, client_id: str, secret: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_an_integrator_reads_exactly_what_it_was_granted_and_the_person_sees_it(platform: Platform) -> None:
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        assert _import(client, admin, "divisions", DIVISIONS)["rejected_rows"] == 0
        report = _import(client, admin, "population", PEOPLE)
        assert report["accepted_rows"] == 1
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "id_number")]  # the bad check digit

        registered = client.post(
            "/api/v1/client-applications",
            headers=admin,
            json={"name": "桐庐农商银行开户系统", "contact": "科技部", "description": "开户实名核验"},
        )
        assert registered.status_code == 201, registered.text
        app = registered.json()
        integrator = _client_token(client, app["client_id"], app["client_secret"])

        record_url = f"/api/v1/registries/population/{PERSON}"
        refused = client.get(record_url, headers=integrator)
        assert refused.status_code == 403 and "共享授权" in refused.json()["detail"]

        requested = client.post(
            "/api/v1/catalogue/access-requests",
            headers=integrator,
            json={"resource": "population", "fields": ["name", "residence_address"], "purpose": "开户实名核验"},
        )
        assert requested.status_code == 201 and requested.json()["status"] == "pending", requested.text
        decided = client.post(
            f"/api/v1/catalogue/access-requests/{requested.json()['id']}/decision",
            headers=admin,
            json={"decision": "approve", "reason": "用途明确、字段最少"},
        )
        assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.text

        record = client.get(record_url, headers=integrator)
        assert record.status_code == 200, record.text
        assert record.json() == {"name": "吴九", "residence_address": "浙江省杭州市桐庐县城南街道迎春路9号"}
        assert client.get(record_url, headers=integrator, params={"fields": "phone"}).status_code == 403

        # The person logs in and sees who read their data, and who was refused.
        # The person registers (matched with the registry), proves the registry's phone (L2)...
        person = Applicant(client, PERSON, name="吴九").raise_by_phone().headers
        seen = client.get("/api/v1/audit/my-data-access", headers=person)
        assert seen.status_code == 200, seen.text
        by_app = [e for e in seen.json() if e["reader"]["client_id"] == app["client_id"]]
        assert {(e["outcome"], tuple(e["fields"])) for e in by_app} == {
            ("refused", ()),
            ("refused", ("phone",)),
            ("allowed", ("name", "residence_address")),
        }
        assert all(e["reader"]["name"] == "桐庐农商银行开户系统" for e in by_app)
        assert "开户实名核验" in {e["purpose"] for e in by_app}

        verified = client.get("/api/v1/audit/verify", headers=admin)
        assert verified.status_code == 200 and verified.json()["valid"] is True, verified.text
        assert verified.json()["head_signed"] is True
        assert client.get("/api/v1/audit/verify", headers=person).status_code == 403

        # The worker signs checkpoints (every second here); a third party verifies an export
        # with the public key alone (docs/audit.md).
        checkpoint = _wait_for_checkpoint(client, admin)
        keys = client.get("/api/v1/audit/checkpoint-keys")  # public
        assert keys.status_code == 200, keys.text
        bounds = {"from_seq": max(1, checkpoint["seq"] - 500), "to_seq": checkpoint["seq"]}
        segment = client.get("/api/v1/audit/export", headers=admin, params=bounds)
        assert segment.status_code == 200, segment.text
        report = verify_segment(segment.json(), public_keys_from_jwks(keys.json()))
        assert report.valid and report.covered_to == checkpoint["seq"], report.as_dict()
        assert client.get("/api/v1/audit/export", headers=person).status_code == 403

        # A rotated secret ends the tokens obtained with it at once, not when they expire; so does
        # deactivation, and reactivating does not bring old tokens back.
        app_url = f"/api/v1/client-applications/{app['client_id']}"
        rotated = client.post(f"{app_url}/secret", headers=admin)
        assert rotated.status_code == 200, rotated.text
        revoked = client.get(record_url, headers=integrator)
        assert revoked.status_code == 401 and revoked.json()["code"] == "token_revoked", revoked.text
        current = _client_token(client, app["client_id"], rotated.json()["client_secret"])
        assert client.get(record_url, headers=current).status_code == 200
        assert client.patch(app_url, headers=admin, json={"active": False}).status_code == 200
        assert client.get(record_url, headers=current).status_code == 401
        assert client.patch(app_url, headers=admin, json={"active": True}).status_code == 200
        assert client.get(record_url, headers=current).status_code == 401
        renewed = _client_token(client, app["client_id"], rotated.json()["client_secret"])
        assert client.get(record_url, headers=renewed).status_code == 200


def test_the_catalogue_divisions_and_credit_through_the_gateway(platform: Platform) -> None:
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        _import(client, admin, "divisions", DIVISIONS)
        catalogue = client.get("/api/v1/catalogue/resources", headers=admin)
        assert catalogue.status_code == 200 and catalogue.headers["X-Total-Count"] == "7"
        division = client.get("/api/v1/registries/divisions/330122", headers=admin).json()
        assert [a["name"] for a in division["ancestors"]] == ["浙江省", "杭州市"]
        # The division picker's tree, through the gateway; a bad root is the registry's problem, forwarded.
        tree = client.get("/api/v1/registries/division-tree", params={"root": "330100"}, headers=admin)
        assert tree.status_code == 200 and "桐庐县" in {c["name"] for c in tree.json()["divisions"][0]["children"]}
        bad = client.get("/api/v1/registries/division-tree", params={"root": "33010x"}, headers=admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "root"
        assert client.get("/api/v1/registries/division-tree").status_code == 401
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        recorded = client.post(
            "/api/v1/credit/records",
            headers=reviewer,
            json={"subject": "330122199003150022", "list": "black", "reason": "虚假登记", "valid_from": "2026-01-01"},
        )
        assert recorded.status_code == 201, recorded.text
        status = client.get("/api/v1/credit/subjects/330122199003150022/status", headers=reviewer)
        assert status.status_code == 200 and status.json()["black_listed"] is True
        rules = client.get("/api/v1/quality/rules/population", headers=admin)
        assert rules.status_code == 200 and "resident_id" in {r["rule"] for r in rules.json()}


WALK_IN = "330122198505050027"  # not used by the other end-to-end tests


def test_a_window_clerk_looks_an_applicant_up_for_intake_and_the_person_sees_it(platform: Platform) -> None:
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        people = (
            "id_number,name,household_division_code,residence_address,phone\n"
            f"{WALK_IN},郑十,330122,浙江省杭州市桐庐县城南街道学院路5号,13500135026\n"
        )
        assert _import(client, admin, "divisions", DIVISIONS)["rejected_rows"] == 0
        imported = _import(client, admin, "population", people)
        assert imported["accepted_rows"] == 1, imported["errors"]

        clerk = login(client, "clerk", DEMO_PASSWORD)
        record = client.get(f"/api/v1/registries/population/{WALK_IN}", headers=clerk)
        assert record.status_code == 200, record.text
        assert record.json() == {
            "name": "郑十",
            "gender": "female",  # the second-to-last digit is even
            "birth_date": "1985-05-05",
            "residence_address": "浙江省杭州市桐庐县城南街道学院路5号",
        }
        phone = client.get(f"/api/v1/registries/population/{WALK_IN}", headers=clerk, params={"fields": "phone"})
        assert phone.status_code == 403, phone.text
        assert client.get("/api/v1/registries/population/330122198505050000", headers=clerk).status_code == 404
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        assert client.get(f"/api/v1/registries/population/{WALK_IN}", headers=reviewer).status_code == 403

        person = Applicant(client, WALK_IN, name="郑十").raise_by_phone().headers
        seen = client.get("/api/v1/audit/my-data-access", headers=person, params={"page_size": 100})
        assert seen.status_code == 200, seen.text
        by_clerk = [e for e in seen.json() if e["reader"]["name"] == "综合窗口人员"]
        assert {(e["outcome"], e["purpose"]) for e in by_clerk} == {
            ("allowed", "一窗受理核验身份"),
            ("refused", "一窗受理核验身份"),
        }
        assert {tuple(e["fields"]) for e in by_clerk if e["outcome"] == "allowed"} == {
            ("name", "gender", "birth_date", "residence_address")
        }
