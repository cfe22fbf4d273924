"""One-window intake reads the registries under a standing grant to the window-clerk role: only the
fields intake needs, under the purpose 一窗受理核验身份, every read audited and shown to the person;
other staff without a grant are still refused. On PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text

from data_sharing.catalogue.standing import sync_standing_grants
from gov_common.db import utcnow
from tests.data_sharing.conftest import ENTITY, QIAN, ZHANG_SAN, DataSharing, Tokens

POPULATION = f"/api/v1/registries/population/{ZHANG_SAN}"
ENTITIES = f"/api/v1/registries/legal-entities/{ENTITY}"
INTAKE_FIELDS = {"name", "gender", "birth_date", "residence_address"}


def _problem(response: httpx.Response, status: int, field: str | None = None) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def _entries(ds: DataSharing, tokens: Tokens, **params: str) -> list[dict]:  # type: ignore[type-arg]
    response = ds.client.get("/api/v1/audit/entries", headers=tokens.admin(), params={**params, "page_size": 100})
    assert response.status_code == 200, response.text
    return list(response.json())


def test_a_window_clerk_reads_only_the_intake_fields_and_the_person_sees_it(pg_ds: DataSharing, tokens: Tokens) -> None:
    clerk = tokens.staff("clerk", name="窗口王")
    record = pg_ds.client.get(POPULATION, headers=clerk)
    assert record.status_code == 200, record.text
    assert set(record.json()) == INTAKE_FIELDS  # no ID number echo, no phone, no ethnicity, no household
    assert record.json()["name"] == "张三" and record.json()["birth_date"] == "1949-12-31"
    assert pg_ds.client.get(POPULATION, headers=clerk, params={"fields": "name"}).json() == {"name": "张三"}
    outside = _problem(pg_ds.client.get(POPULATION, headers=clerk, params={"fields": "name,phone"}), 403, "fields")
    assert outside["errors"][0]["code"] == "field_not_granted"

    reads = sorted(
        (e for e in _entries(pg_ds, tokens, subject=ZHANG_SAN) if e["actor_name"] == "窗口王"), key=lambda e: e["seq"]
    )
    assert [(e["outcome"], e["purpose"]) for e in reads] == [
        ("allowed", "一窗受理核验身份"),
        ("allowed", "一窗受理核验身份"),
        ("refused", "一窗受理核验身份"),
    ]
    assert set(reads[0]["fields"]) == INTAKE_FIELDS and reads[1]["fields"] == ["name"]
    mine = pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(ZHANG_SAN)).json()
    by_clerk = [m for m in mine if m["reader"]["name"] == "窗口王"]
    assert len(by_clerk) == 3 and {m["purpose"] for m in by_clerk} == {"一窗受理核验身份"}
    assert pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(QIAN)).json() == []

    # Someone not in the registry: 404, and the attempt is on record all the same.
    missing = "110101198001010053"
    _problem(pg_ds.client.get(f"/api/v1/registries/population/{missing}", headers=clerk), 404)
    assert [e["outcome"] for e in _entries(pg_ds, tokens, subject=missing)] == ["allowed"]
    _problem(pg_ds.client.get("/api/v1/registries/population/110101198001010054", headers=clerk), 422)

    entity = pg_ds.client.get(ENTITIES, headers=clerk)
    assert entity.status_code == 200, entity.text
    assert set(entity.json()) == {"name", "entity_type", "legal_representative", "address", "status"}


def test_other_staff_and_not_shared_data_are_still_refused(pg_ds: DataSharing, tokens: Tokens) -> None:
    for headers in (
        tokens.staff("reviewer", department="amr", name="amr审批员"),
        tokens.staff("handler", department="hrss", name="hrss承办人"),
        tokens.staff("department_admin", department="hrss", name="hrss管理员"),
    ):
        body = _problem(pg_ds.client.get(POPULATION, headers=headers), 403)
        assert "需经授权" in body["detail"]
    assert _problem(pg_ds.client.get(ENTITIES, headers=tokens.staff("reviewer", department="psb")), 403)
    # An integrator cannot pass itself off as the role.
    _problem(pg_ds.client.get(POPULATION, headers=tokens.client("app-x", "integrator")), 403)


def test_the_standing_grant_is_on_record_revocable_and_renewed_only_when_expired(
    pg_ds: DataSharing, tokens: Tokens
) -> None:
    psb_admin = tokens.staff("department_admin", department="psb", name="公安局数据管理员")
    grants = pg_ds.client.get(
        "/api/v1/catalogue/grants", headers=psb_admin, params={"client_id": "role:clerk", "active": True}
    ).json()
    [grant] = grants  # the psb admin sees the grant on the population registry (legal entities belong to amr)
    assert grant["resource_code"] == "population" and set(grant["fields"]) == INTAKE_FIELDS
    assert grant["purpose"] == "一窗受理核验身份" and grant["status"] == "active"

    def restart() -> None:
        with pg_ds.runtime.db.session() as session:
            sync_standing_grants(session, valid_days=365)

    restart()  # idempotent: still one grant
    everything = pg_ds.client.get(
        "/api/v1/catalogue/grants", headers=tokens.admin(), params={"client_id": "role:clerk"}
    )
    assert len(everything.json()) == 2  # population and legal entities

    # Expired: renewed at start-up.
    with pg_ds.runtime.db.session() as session:
        session.execute(
            text("UPDATE grants SET valid_until = :t WHERE id = :id"),
            {"t": utcnow() - timedelta(days=1), "id": grant["id"]},
        )
    clerk = tokens.staff("clerk", name="窗口王")
    assert "需经授权" in _problem(pg_ds.client.get(POPULATION, headers=clerk), 403)["detail"]
    restart()
    assert pg_ds.client.get(POPULATION, headers=clerk).status_code == 200

    # Revoked by the owning department: refused at once, and a restart does not bring it back.
    [renewed] = pg_ds.client.get(
        "/api/v1/catalogue/grants", headers=psb_admin, params={"client_id": "role:clerk", "active": True}
    ).json()
    revoked = pg_ds.client.post(
        f"/api/v1/catalogue/grants/{renewed['id']}/revoke", headers=psb_admin, json={"reason": "窗口核验改用人证比对"}
    )
    assert revoked.status_code == 200, revoked.text
    _problem(pg_ds.client.get(POPULATION, headers=clerk), 403)
    restart()
    _problem(pg_ds.client.get(POPULATION, headers=clerk), 403)
    assert pg_ds.client.get(ENTITIES, headers=clerk).status_code == 200  # the other grant stands
