"""The gateway's prefill against the real data-sharing service (PostgreSQL) and a service-management
that answers the item contract of docs/parallel-work.md §2 (form fields with `prefill`, materials
with licence types and accepted trust levels)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from data_sharing.licenses.service import issue_for_approved_case
from gov_common.errors import NotFound, install_error_handlers
from gov_common.events import Event, EventTypes
from gov_common.service import ServiceRuntime
from tests.data_sharing.conftest import ENTITY, ZHANG_SAN
from tests.gateway.registry_fake import raised_to_l2
from tests.gateway.with_data_sharing import Platform, gateway_with_data_sharing

QIAN_DUODUO = "33012219920202001X"  # the demo entity's legal representative

ITEM = {
    "code": "330122-TEST-0001",
    "name": "测试事项",
    "form_fields": [
        {"name": "applicant_name", "label": "申请人", "type": "string", "required": True, "prefill": "population.name"},
        {
            "name": "address",
            "label": "住址",
            "type": "string",
            "required": True,
            "prefill": "population.residence_address",
        },
        {"name": "phone", "label": "电话", "type": "string", "required": False, "prefill": "population.phone"},
        {"name": "company", "label": "单位", "type": "string", "required": False, "prefill": "legal_entity.name"},
        {"name": "note", "label": "备注", "type": "text", "required": False},
    ],
    "materials": [
        {
            "code": "SQS",
            "name": "申请书",
            "form": "electronic",
            "required": True,
            "license_type": None,
            "accepted_trust_levels": ["A"],
        },
        {
            "code": "YYZZ",
            "name": "营业执照",
            "form": "electronic",
            "required": True,
            "license_type": "business_license",
            "accepted_trust_levels": ["A", "B"],
        },
        {
            "code": "SPXK",
            "name": "食品经营许可证",
            "form": "electronic",
            "required": False,
            "license_type": "food_business_license",
            "accepted_trust_levels": ["A"],
        },
    ],
}


def _fake_service_management() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/v1/items/{code}")
    def item(code: str) -> dict[str, Any]:
        if code == ITEM["code"]:
            return ITEM
        if code == "330122-OLD-0001":  # an item from before materials and prefill existed
            return {"code": code, "name": "旧事项", "form_fields": [{"name": "x", "label": "x", "type": "string"}]}
        raise NotFound(f"item {code} does not exist")

    return app


@pytest.fixture
def platform(new_database: Callable[[str], str], tmp_path: Path) -> Iterator[Platform]:
    with gateway_with_data_sharing(new_database, tmp_path, others={"sm.test": _fake_service_management()}) as p:
        yield p


def _applicant(client: TestClient, number: str, name: str) -> dict[str, str]:
    """A person registered (name verified against the registry) at L1."""
    body = {"account_type": "person", "id_number": number, "name": name, "phone": "13800138000"}
    assert client.post("/api/v1/auth/register", json=body | {"password": "secret-pass-1"}).status_code == 201
    token = client.post("/api/v1/auth/token", data={"username": number, "password": "secret-pass-1"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _issue(runtime: ServiceRuntime, license_type: str, **spec: Any) -> str:
    case_no = f"20261125{uuid.uuid4().int % 10**10:010d}"
    event = Event.new(
        type=EventTypes.CASE_APPROVED,
        source="/business-systems/amr",
        subject=case_no,
        data={
            "case_no": case_no,
            "license": {
                "type": license_type,
                "issuer_department": "amr",
                "holder": {"id_number": ZHANG_SAN, "name": "张三", "type": "person"},
                "fields": {"business_name": "张三小吃店"},
                **spec,
            },
        },
    )
    with runtime.db.session() as session:
        license = issue_for_approved_case(session, event, signer=runtime.extras["license_signer"])
        assert license is not None
        return license.license_no


def test_the_form_comes_prefilled_and_licences_satisfy_materials(platform: Platform) -> None:
    at_l1 = _applicant(platform.gateway, ZHANG_SAN, "张三")
    refused = platform.gateway.get(f"/api/v1/items/{ITEM['code']}/prefill", headers=at_l1)
    assert refused.status_code == 403 and refused.json()["code"] == "assurance_level_required"
    assert refused.json()["required_level"] == 2
    headers = raised_to_l2(platform.gateway, at_l1)
    empty = platform.gateway.get(f"/api/v1/items/{ITEM['code']}/prefill", headers=headers)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {
        "form": {
            "applicant_name": "张三",
            "address": "浙江省杭州市桐庐县城南街道人民路1号",
            "phone": "13800138000",
        },
        "materials": [
            {"code": "SQS", "satisfied_by": None},
            {"code": "YYZZ", "satisfied_by": None},
            {"code": "SPXK", "satisfied_by": None},
        ],
    }
    older = _issue(platform.ds, "business_license")
    time.sleep(1.1)  # issue times are kept to the second; the wallet lists the newest first
    newer = _issue(platform.ds, "business_license")
    level_b_food = _issue(platform.ds, "food_business_license", trust_level="B")  # SPXK accepts only A
    answer = platform.gateway.get(f"/api/v1/items/{ITEM['code']}/prefill", headers=headers).json()
    satisfied = {m["code"]: m["satisfied_by"] for m in answer["materials"]}
    assert satisfied == {"SQS": None, "YYZZ": newer, "SPXK": None}
    # A revoked licence no longer satisfies anything; the next usable one does.
    with platform.ds.db.session() as session:
        session.execute(text("UPDATE licenses SET status = 'revoked' WHERE license_no = :n"), {"n": newer})
    answer = platform.gateway.get(f"/api/v1/items/{ITEM['code']}/prefill", headers=headers).json()
    assert {m["code"]: m["satisfied_by"] for m in answer["materials"]}["YYZZ"] == older
    assert level_b_food not in str(answer)
    # The registry reads were the applicant's own, recorded with the purpose.
    with platform.ds.db.session() as session:
        purposes = set(
            session.execute(
                text("SELECT purpose FROM audit_log WHERE resource = 'population' AND actor_kind = 'person'")
            )
            .scalars()
            .all()
        )
    assert purposes == {f"申请 {ITEM['code']} 表单预填"}


def test_prefill_for_an_entity_an_unknown_person_an_old_item_and_staff(platform: Platform) -> None:
    representative = raised_to_l2(platform.gateway, _applicant(platform.gateway, QIAN_DUODUO, "钱多多"))
    opened = platform.gateway.post("/api/v1/entities", json={"uscc": ENTITY}, headers=representative)
    assert opened.status_code == 201, opened.text
    acting = platform.gateway.post("/api/v1/auth/act-as", json={"uscc": ENTITY}, headers=representative)
    assert acting.status_code == 200, acting.text
    entity = {"Authorization": f"Bearer {acting.json()['access_token']}"}
    answer = platform.gateway.get(f"/api/v1/items/{ITEM['code']}/prefill", headers=entity).json()
    assert answer["form"] == {"company": "桐庐富春江茶业有限公司"}
    # A number the registry does not know registers (L1) but can never see registry data by phone.
    stranger = _applicant(platform.gateway, "110101198001010053", "无名")
    assert platform.gateway.post("/api/v1/me/assurance/phone-code", headers=stranger).json()["code"] == (
        "no_registry_phone"
    )
    assert platform.gateway.get(f"/api/v1/items/{ITEM['code']}/prefill", headers=stranger).status_code == 403
    old = platform.gateway.get("/api/v1/items/330122-OLD-0001/prefill", headers=representative)
    assert old.json() == {"form": {}, "materials": []}
    missing = platform.gateway.get("/api/v1/items/NOPE/prefill", headers=representative)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert platform.gateway.get(f"/api/v1/items/{ITEM['code']}/prefill").status_code == 401
