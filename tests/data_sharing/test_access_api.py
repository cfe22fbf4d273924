"""Who may read what (docs/data-sharing.md): grants checked on every data call, exactly the granted
fields, refusals audited, approvals by the owning department, expiry and revocation. On PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text

from gov_common.db import utcnow
from tests.data_sharing.conftest import BLACK_ENTITY, QIAN, ZHANG_SAN, DataSharing, Tokens

POPULATION = f"/api/v1/registries/population/{ZHANG_SAN}"


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


def _request(ds: DataSharing, headers: dict[str, str], fields: list[str], **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"resource": "population", "fields": fields, "purpose": "核验申请人身份", **extra}
    response = ds.client.post("/api/v1/catalogue/access-requests", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_client_without_a_grant_gets_403_and_the_refusal_is_audited(pg_ds: DataSharing, tokens: Tokens) -> None:
    app = tokens.client("app-nogrant", "integrator", name="某银行开户系统")
    body = _problem(pg_ds.client.get(POPULATION, headers=app), 403)
    assert "没有" in body["detail"] and "共享授权" in body["detail"]
    refused = [e for e in _entries(pg_ds, tokens, subject=ZHANG_SAN) if e["client_id"] == "app-nogrant"]
    assert len(refused) == 1
    assert refused[0]["outcome"] == "refused" and refused[0]["resource"] == "population"
    assert refused[0]["actor_name"] == "某银行开户系统" and "共享授权" in refused[0]["reason"]
    # The person sees the attempt.
    mine = pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(ZHANG_SAN)).json()
    assert [(m["reader"]["client_id"], m["outcome"]) for m in mine] == [("app-nogrant", "refused")]


def test_a_grant_for_two_fields_returns_exactly_those_two(pg_ds: DataSharing, tokens: Tokens) -> None:
    app = tokens.client("app-bank", "integrator", name="某银行开户系统")
    request = _request(pg_ds, app, ["name", "residence_address"], valid_days=30)
    assert request["status"] == "pending"  # population is conditional: its owner decides
    _problem(pg_ds.client.get(POPULATION, headers=app), 403)

    decision = {"decision": "approve", "reason": "用途明确"}
    other_department = tokens.staff("department_admin", department="amr")
    _problem(
        pg_ds.client.post(
            f"/api/v1/catalogue/access-requests/{request['id']}/decision", headers=other_department, json=decision
        ),
        403,
    )
    psb_admin = tokens.staff("department_admin", department="psb", name="公安局数据管理员")
    approved = pg_ds.client.post(
        f"/api/v1/catalogue/access-requests/{request['id']}/decision", headers=psb_admin, json=decision
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["grant_id"]

    record = pg_ds.client.get(POPULATION, headers=app, params={"purpose": "开户身份核验"})
    assert record.status_code == 200, record.text
    assert record.json() == {"name": "张三", "residence_address": "浙江省杭州市桐庐县城南街道人民路1号"}
    only_name = pg_ds.client.get(POPULATION, headers=app, params={"fields": "name"})
    assert only_name.json() == {"name": "张三"}
    _problem(pg_ds.client.get(POPULATION, headers=app, params={"fields": "name,phone"}), 403, "fields")
    _problem(pg_ds.client.get(POPULATION, headers=app, params={"fields": "shoe_size"}), 422, "fields")

    reads = [e for e in _entries(pg_ds, tokens, client_id="app-bank") if e["outcome"] == "allowed"]
    assert [(e["fields"], e["purpose"]) for e in reads] == [
        (["name"], "核验申请人身份"),  # the grant's purpose when none is given
        (["name", "residence_address"], "开户身份核验"),
    ]
    mine = pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(ZHANG_SAN)).json()
    assert {"开户身份核验", "核验申请人身份"} <= {m["purpose"] for m in mine if m["outcome"] == "allowed"}
    assert all(m["reader"]["name"] == "某银行开户系统" for m in mine)
    # Someone else's data view does not show these reads.
    assert pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(QIAN)).json() == []


def test_an_approval_may_narrow_the_fields_but_never_widen_them(pg_ds: DataSharing, tokens: Tokens) -> None:
    app = tokens.client("app-narrow", "integrator")
    request = _request(pg_ds, app, ["name", "phone"])
    url = f"/api/v1/catalogue/access-requests/{request['id']}/decision"
    _problem(
        pg_ds.client.post(url, headers=tokens.admin(), json={"decision": "approve", "fields": ["name", "gender"]}),
        422,
        "fields",
    )
    _problem(pg_ds.client.post(url, headers=tokens.admin(), json={"decision": "refuse"}), 422, "reason")
    ok = pg_ds.client.post(url, headers=tokens.admin(), json={"decision": "approve", "fields": ["name"]})
    assert ok.status_code == 200, ok.text
    assert pg_ds.client.get(POPULATION, headers=app).json() == {"name": "张三"}
    _problem(pg_ds.client.post(url, headers=tokens.admin(), json={"decision": "approve"}), 409)


def test_grants_expire_and_can_be_revoked(pg_ds: DataSharing, tokens: Tokens) -> None:
    app = tokens.client("app-expiry", "integrator")
    request = _request(pg_ds, app, ["name"], valid_days=1)
    pg_ds.client.post(
        f"/api/v1/catalogue/access-requests/{request['id']}/decision",
        headers=tokens.admin(),
        json={"decision": "approve"},
    )
    assert pg_ds.client.get(POPULATION, headers=app).status_code == 200
    with pg_ds.runtime.db.session() as session:
        session.execute(
            text("UPDATE grants SET valid_until = :t WHERE client_id = 'app-expiry'"),
            {"t": utcnow() - timedelta(minutes=1)},
        )
    assert "到期" in _problem(pg_ds.client.get(POPULATION, headers=app), 403)["detail"]
    grants = pg_ds.client.get("/api/v1/catalogue/grants", headers=app).json()
    assert [g["status"] for g in grants] == ["expired"]

    again = _request(pg_ds, app, ["name"], valid_days=10)
    decided = pg_ds.client.post(
        f"/api/v1/catalogue/access-requests/{again['id']}/decision",
        headers=tokens.admin(),
        json={"decision": "approve"},
    ).json()
    assert pg_ds.client.get(POPULATION, headers=app).status_code == 200
    active = pg_ds.client.get("/api/v1/catalogue/grants", headers=app, params={"active": True}).json()
    assert [g["id"] for g in active] == [decided["grant_id"]]
    revoke = f"/api/v1/catalogue/grants/{decided['grant_id']}/revoke"
    _problem(pg_ds.client.post(revoke, headers=app, json={"reason": "x"}), 403)  # not by the client itself
    assert pg_ds.client.post(revoke, headers=tokens.admin(), json={"reason": "合作终止"}).status_code == 200
    assert "已被撤销" in _problem(pg_ds.client.get(POPULATION, headers=app), 403)["detail"]


def test_who_may_read_without_a_grant(pg_ds: DataSharing, tokens: Tokens) -> None:
    client = pg_ds.client
    # The subject reads their own record; an applicant never reads another's.
    assert client.get(POPULATION, headers=tokens.person(ZHANG_SAN)).json()["phone"] == "13800138000"
    _problem(client.get(POPULATION, headers=tokens.person(QIAN)), 403)
    # Staff of the owning department and the admin: all fields; other departments: refused (conditional).
    assert client.get(POPULATION, headers=tokens.staff("reviewer", department="psb")).status_code == 200
    assert client.get(POPULATION, headers=tokens.admin()).status_code == 200
    _problem(client.get(POPULATION, headers=tokens.staff("reviewer", department="amr")), 403)
    # A platform service reads unconditional resources (credit) without a grant, conditional ones not.
    service = tokens.client("service-management", "service")
    status = client.get(f"/api/v1/credit/subjects/{BLACK_ENTITY}/status", headers=service)
    assert status.status_code == 200 and status.json()["black_listed"] is True
    _problem(client.get(POPULATION, headers=service), 403)
    # An integrator needs a grant even for an unconditional resource; its request is approved at once.
    integrator = tokens.client("app-credit", "integrator")
    _problem(client.get(f"/api/v1/credit/subjects/{BLACK_ENTITY}/status", headers=integrator), 403)
    granted = client.post(
        "/api/v1/catalogue/access-requests",
        headers=integrator,
        json={"resource": "credit", "fields": ["subject", "black_listed"], "purpose": "贷款准入黑名单核查"},
    ).json()
    assert granted["status"] == "approved" and granted["decided_by"] == "system"
    answer = client.get(f"/api/v1/credit/subjects/{BLACK_ENTITY}/status", headers=integrator).json()
    assert answer == {"subject": BLACK_ENTITY, "black_listed": True}
    # Applicants read public, non-personal resources.
    assert client.get("/api/v1/registries/service-halls", headers=tokens.person(QIAN)).status_code == 200
    _problem(client.get("/api/v1/registries/service-halls", headers=integrator), 403)


def test_a_not_shared_resource_is_refused_to_every_client(pg_ds: DataSharing, tokens: Tokens) -> None:
    patched = pg_ds.client.patch(
        "/api/v1/catalogue/resources/population", headers=tokens.admin(), json={"sharing_type": "not_shared"}
    )
    assert patched.status_code == 200 and patched.json()["sharing_type"] == "not_shared"
    request = _request(pg_ds, tokens.client("app-ns", "integrator"), ["name"])
    assert request["status"] == "refused" and "not shared" in request["decision_reason"]
    _problem(pg_ds.client.get(POPULATION, headers=tokens.client("app-ns", "integrator")), 403)
    # The owner still reads it; the subject still reads their own record.
    assert pg_ds.client.get(POPULATION, headers=tokens.staff("reviewer", department="psb")).status_code == 200
    assert pg_ds.client.get(POPULATION, headers=tokens.person(ZHANG_SAN)).status_code == 200


def test_the_catalogue_lists_every_resource_with_owner_fields_and_sharing_type(
    pg_ds: DataSharing, tokens: Tokens
) -> None:
    listed = pg_ds.client.get("/api/v1/catalogue/resources", headers=tokens.client("app-any", "integrator"))
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "7"
    by_code = {r["code"]: r for r in listed.json()}
    assert set(by_code) == {
        "population",
        "legal-entities",
        "divisions",
        "service-halls",
        "economic-indicators",
        "credit",
        "licenses",
    }
    assert by_code["population"]["sharing_type"] == "conditional" and by_code["population"]["owner_department"] == "psb"
    assert "residence_address" in [f["name"] for f in by_code["population"]["fields"]]
    resource = {
        "code": "hrss-employment",
        "name": "就业登记信息",
        "owner_department": "hrss",
        "fields": [{"name": "employer", "label": "用人单位"}],
        "sharing_type": "conditional",
        "update_frequency": "daily",
        "personal": True,
    }
    _problem(
        pg_ds.client.post(
            "/api/v1/catalogue/resources", headers=tokens.staff("department_admin", department="amr"), json=resource
        ),
        403,
    )
    hrss = tokens.staff("department_admin", department="hrss")
    assert pg_ds.client.post("/api/v1/catalogue/resources", headers=hrss, json=resource).status_code == 201
    _problem(pg_ds.client.post("/api/v1/catalogue/resources", headers=hrss, json=resource), 409, "code")
    _problem(
        pg_ds.client.post("/api/v1/catalogue/resources", headers=hrss, json={**resource, "sharing_type": "x"}),
        422,
        "sharing_type",
    )


def test_the_audit_endpoint_names_an_entry_edited_in_the_database(pg_ds: DataSharing, tokens: Tokens) -> None:
    for _ in range(3):
        pg_ds.client.get(POPULATION, headers=tokens.admin())
    ok = pg_ds.client.get("/api/v1/audit/verify", headers=tokens.admin()).json()
    assert ok["valid"] is True and ok["entries_checked"] == 3
    _problem(pg_ds.client.get("/api/v1/audit/verify", headers=tokens.person(ZHANG_SAN)), 403)
    with pg_ds.runtime.db.session() as session:
        session.execute(text("UPDATE audit_log SET actor_name = '别人' WHERE seq = 2"))
    broken = pg_ds.client.get("/api/v1/audit/verify", headers=tokens.admin()).json()
    assert broken["valid"] is False
    assert broken["first_invalid"]["seq"] == 2 and broken["first_invalid"]["problem"] == "altered"
