"""The electronic-licence library on PostgreSQL: issue from the approval event with trust level and
period, verification (forged and altered licences fail), revoke/cancel/expire as events, QR codes,
the licence check used at intake, registration of B/C/D licences, the wallet, and licences signed
before this version still verifying."""

from __future__ import annotations

import base64
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import segno
from sqlalchemy import select, text

from data_sharing.app import MIGRATIONS
from data_sharing.licenses.service import issue_for_approved_case
from data_sharing.licenses.signing import LicenseSigner
from gov_common.db import utcnow
from gov_common.events import Event, EventTypes, Topics
from gov_common.keys import load_or_create_private_key
from gov_common.messaging import outbox
from gov_common.migrations import upgrade
from tests.data_sharing.conftest import OTHER_PERSON, QIAN, ZHANG_SAN, DataSharing, Tokens


def _approval(license: dict[str, Any] | None = None, *, holder: str = ZHANG_SAN) -> Event:
    case_no = f"20261125{uuid.uuid4().int % 10**10:010d}"
    spec = {
        "type": "food_business_license",
        "name": "食品经营许可证",
        "issuer_department": "amr",
        "holder": {"id_number": holder, "name": "张三", "type": "person"},
        "fields": {"business_name": "张三小吃店", "business_address": "人民路1号", "food_category": "热食类制售"},
        **(license or {}),
    }
    return Event.new(
        type=EventTypes.CASE_APPROVED,
        source="/business-systems/amr",
        subject=case_no,
        data={"case_no": case_no, "item_code": "330122-AMR-XK-0002", "department_code": "amr", "license": spec},
    )


def _issue(ds: DataSharing, license: dict[str, Any] | None = None, *, holder: str = ZHANG_SAN) -> str:
    with ds.runtime.db.session() as session:
        issued = issue_for_approved_case(session, _approval(license, holder=holder), signer=_signer(ds))
        assert issued is not None
        return issued.license_no


def _signer(ds: DataSharing) -> LicenseSigner:
    signer: LicenseSigner = ds.runtime.extras["license_signer"]
    return signer


def _verify(ds: DataSharing, license_no: str) -> dict[str, Any]:
    response = ds.client.get(f"/api/v1/licenses/{license_no}/verify")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _events(ds: DataSharing, license_no: str) -> list[dict[str, Any]]:
    with ds.runtime.db.session() as session:
        rows = session.execute(select(outbox.c.payload).where(outbox.c.key == license_no).order_by(outbox.c.id))
        return [{"type": e.type, **e.data} for e in (Event.decode(r.payload) for r in rows)]


def test_issue_from_the_approval_records_trust_level_and_period(pg_ds: DataSharing) -> None:
    default = _verify(pg_ds, _issue(pg_ds))
    assert default["valid"] is True and default["trust_level"] == "A"
    issued_at = datetime.fromisoformat(default["issued_at"])
    # No period in the approval: the type's default validity (食品经营许可证: 5 years).
    assert datetime.fromisoformat(default["valid_until"]) == issued_at.replace(year=issued_at.year + 5)
    explicit = _verify(pg_ds, _issue(pg_ds, {"trust_level": "B", "valid_until": "2031-11-24T16:00:00+00:00"}))
    assert explicit["trust_level"] == "B" and explicit["valid_until"] == "2031-11-24T16:00:00Z"
    long_term = _verify(pg_ds, _issue(pg_ds, {"valid_until": None}))  # the handler said 长期
    assert long_term["valid_until"] is None and long_term["valid"] is True
    dated = _verify(pg_ds, _issue(pg_ds, {"valid_from": "2026-01-01", "validity_years": 1}))
    assert dated["valid_from"] == "2025-12-31T16:00:00Z" and dated["valid_until"] == "2026-12-31T16:00:00Z"
    with pytest.raises(ValueError, match="trust level"):
        _issue(pg_ds, {"trust_level": "Z"})


def test_a_redelivered_approval_issues_no_second_licence(pg_ds: DataSharing) -> None:
    event = _approval()
    with pg_ds.runtime.db.session() as session:
        first = issue_for_approved_case(session, event, signer=_signer(pg_ds))
    with pg_ds.runtime.db.session() as session:
        second = issue_for_approved_case(session, event, signer=_signer(pg_ds))
    assert first is not None and second is not None and first.license_no == second.license_no
    assert [e["type"] for e in _events(pg_ds, first.license_no)] == ["gov.license.issued"]


def test_a_revoked_licence_verifies_as_not_valid_and_the_revocation_is_an_event(
    pg_ds: DataSharing, tokens: Tokens
) -> None:
    license_no = _issue(pg_ds)
    url = f"/api/v1/licenses/{license_no}/revoke"
    reason = {"reason": "以欺骗手段取得许可"}
    assert pg_ds.client.post(url, headers=tokens.person(ZHANG_SAN), json=reason).status_code == 404
    assert pg_ds.client.post(url, headers=tokens.staff("reviewer", department="psb"), json=reason).status_code == 404
    revoked = pg_ds.client.post(url, headers=tokens.staff("reviewer", department="amr", name="审批员"), json=reason)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked" and revoked.json()["status_reason"] == "以欺骗手段取得许可"
    verification = _verify(pg_ds, license_no)
    assert verification["valid"] is False and verification["status"] == "revoked"
    assert verification["signature_valid"] is True and verification["reason"] == "证照状态为 revoked"
    events = _events(pg_ds, license_no)
    assert [e["type"] for e in events] == ["gov.license.issued", "gov.license.revoked"]
    assert events[1]["reason"] == "以欺骗手段取得许可" and events[1]["by"] == "审批员"
    assert pg_ds.client.post(url, headers=tokens.admin(), json=reason).status_code == 409
    cancel = pg_ds.client.post(f"/api/v1/licenses/{license_no}/cancel", headers=tokens.admin(), json=reason)
    assert cancel.status_code == 409


def test_the_holder_cancels_and_an_ended_period_expires(pg_ds: DataSharing, tokens: Tokens) -> None:
    license_no = _issue(pg_ds)
    cancelled = pg_ds.client.post(
        f"/api/v1/licenses/{license_no}/cancel", headers=tokens.person(ZHANG_SAN), json={"reason": "停止经营"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert [e["type"] for e in _events(pg_ds, license_no)][-1] == "gov.license.cancelled"
    assert _verify(pg_ds, license_no)["valid"] is False

    ended = _issue(pg_ds, {"valid_from": "2020-01-01", "valid_until": "2021-12-31"})
    before_sweep = _verify(pg_ds, ended)
    assert before_sweep["valid"] is False and before_sweep["status"] == "valid"
    assert before_sweep["reason"] == "证照已过有效期"
    expired = pg_ds.runtime.extras["expiry_sweeper"].sweep_once()
    assert expired == [ended]
    assert _verify(pg_ds, ended)["status"] == "expired"
    event = _events(pg_ds, ended)[-1]
    assert event["type"] == "gov.license.expired" and event["by"] == "system"
    assert pg_ds.runtime.extras["expiry_sweeper"].sweep_once() == []


def test_an_altered_or_forged_licence_fails_verification(pg_ds: DataSharing, tmp_path: Path) -> None:
    altered = _issue(pg_ds)
    with pg_ds.runtime.db.session() as session:
        session.execute(text("UPDATE licenses SET holder_name = '李四' WHERE license_no = :n"), {"n": altered})
    verification = _verify(pg_ds, altered)
    assert verification["valid"] is False and verification["signature_valid"] is False
    assert verification["reason"].startswith("签名校验失败")

    fields_changed = _issue(pg_ds)
    with pg_ds.runtime.db.session() as session:
        session.execute(
            text("UPDATE licenses SET valid_until = :t WHERE license_no = :n"),
            {"t": datetime(2099, 1, 1, tzinfo=UTC), "n": fields_changed},
        )
    assert _verify(pg_ds, fields_changed)["signature_valid"] is False

    # A licence written into the library by someone holding another key.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forger = LicenseSigner(Ed25519PrivateKey.generate())
    with pg_ds.runtime.db.session() as session:
        forged = issue_for_approved_case(session, _approval(), signer=forger)
        assert forged is not None
        forged_no = forged.license_no
    verification = _verify(pg_ds, forged_no)
    assert verification["valid"] is False and verification["signature_valid"] is False


def test_qr_codes_encode_the_public_verification_page(pg_ds: DataSharing) -> None:
    license_no = _issue(pg_ds)
    url = f"https://gov.example.cn/verify/{license_no}"  # the page a phone opens, as the UI's own codes
    png = pg_ds.client.get(f"/api/v1/licenses/{license_no}/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    expected = segno.make(url, error="m", micro=False)
    import io

    out = io.BytesIO()
    expected.save(out, kind="png", scale=5, border=4)
    assert png.content == out.getvalue()  # the same symbol as the URL's
    other = io.BytesIO()
    segno.make(url + "x", error="m", micro=False).save(other, kind="png", scale=5, border=4)
    assert png.content != other.getvalue()

    svg = pg_ds.client.get(f"/api/v1/licenses/{license_no}/qr.svg", params={"scale": 3})
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)  # noqa: S314 - our own answer, in a test
    assert root.tag.endswith("svg")
    size = (expected.symbol_size(scale=3, border=4))[0]
    assert root.attrib["width"] == str(size)
    assert pg_ds.client.get("/api/v1/licenses/NOPE-1/qr.svg").status_code == 404
    assert pg_ds.client.get(f"/api/v1/licenses/{license_no}/qr.png", params={"scale": 99}).status_code == 422


def _check(ds: DataSharing, headers: dict[str, str], license_no: str, **overrides: object) -> dict[str, Any]:
    body = {
        "license_no": license_no,
        "holder_id_number": ZHANG_SAN,
        "accepted_types": ["food_business_license"],
        "min_trust_level": "B",
        **overrides,
    }
    response = ds.client.post("/api/v1/licenses/check", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_licence_check_for_a_material(pg_ds: DataSharing, tokens: Tokens) -> None:
    license_no = _issue(pg_ds)
    service = tokens.client("service-management", "service")
    ok = _check(pg_ds, service, license_no)
    assert ok == {
        "usable": True,
        "reason": None,
        "license_type": "food_business_license",
        "trust_level": "A",
        "status": "valid",
    }
    assert _check(pg_ds, tokens.person(ZHANG_SAN), license_no)["usable"] is True
    assert _check(pg_ds, tokens.staff("clerk"), license_no)["usable"] is True
    wrong_holder = _check(pg_ds, service, license_no, holder_id_number=QIAN)
    assert wrong_holder["usable"] is False and "持证人" in wrong_holder["reason"]
    wrong_type = _check(pg_ds, service, license_no, accepted_types=["business_license"])
    assert wrong_type["usable"] is False and "类型" in wrong_type["reason"]

    registered = pg_ds.client.post(
        "/api/v1/licenses",
        headers=tokens.staff("reviewer", department="amr"),
        json={
            "license_type": "food_business_license",
            "holder_id_number": ZHANG_SAN,
            "holder_name": "张三",
            "fields": {"business_name": "张三小吃店", "business_address": "人民路1号", "food_category": "预包装"},
            "trust_level": "C",
        },
    )
    assert registered.status_code == 201, registered.text
    low = _check(pg_ds, service, registered.json()["license_no"])
    assert low["usable"] is False and low["trust_level"] == "C" and "可信等级" in low["reason"]
    assert _check(pg_ds, service, registered.json()["license_no"], min_trust_level="C")["usable"] is True

    pg_ds.client.post(f"/api/v1/licenses/{license_no}/revoke", headers=tokens.admin(), json={"reason": "吊销"})
    revoked = _check(pg_ds, service, license_no)
    assert revoked["usable"] is False and revoked["status"] == "revoked"
    unknown = pg_ds.client.post(
        "/api/v1/licenses/check",
        headers=service,
        json={"license_no": "AMR-00000000-0000000000", "holder_id_number": ZHANG_SAN, "accepted_types": ["x"]},
    )
    assert unknown.status_code == 404
    # Someone else's number: refused, and the refusal is on record for the holder.
    stranger = pg_ds.client.post(
        "/api/v1/licenses/check",
        headers=tokens.person(OTHER_PERSON),
        json={"license_no": license_no, "holder_id_number": ZHANG_SAN, "accepted_types": ["food_business_license"]},
    )
    assert stranger.status_code == 403
    seen = pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(ZHANG_SAN)).json()
    assert any(e["outcome"] == "refused" and e["reader"]["kind"] == "person" for e in seen)
    assert "service-management" in {e["reader"]["client_id"] for e in seen}


def test_licences_registered_by_staff_and_declared_by_holders(pg_ds: DataSharing, tokens: Tokens) -> None:
    body = {
        "license_type": "residence_permit",
        "holder_id_number": QIAN,
        "holder_name": "钱多多",
        "fields": {"residence_address": "桐庐县滨江路8号"},
    }
    declared = pg_ds.client.post("/api/v1/licenses", headers=tokens.person(QIAN, "钱多多"), json=body)
    assert declared.status_code == 201 and declared.json()["trust_level"] == "D"
    assert _verify(pg_ds, declared.json()["license_no"])["valid"] is True
    for headers, payload, status, field in [
        (tokens.person(QIAN), {**body, "trust_level": "B"}, 422, "trust_level"),
        (tokens.person(ZHANG_SAN), body, 403, "holder_id_number"),
        (tokens.staff("reviewer", department="psb"), {**body, "trust_level": "A"}, 422, "trust_level"),
        (tokens.staff("reviewer", department="psb"), {**body, "trust_level": "B", "fields": {}}, 422, "fields"),
        (
            tokens.staff("reviewer", department="psb"),
            {**body, "trust_level": "B", "license_type": "x"},
            422,
            "license_type",
        ),
        (
            tokens.staff("reviewer", department="psb"),
            {**body, "trust_level": "B", "holder_id_number": "1"},
            422,
            "holder_id_number",
        ),
        (
            tokens.staff("reviewer", department="psb"),
            {**body, "trust_level": "B", "issuer_department": "amr"},
            403,
            "issuer_department",
        ),
    ]:
        response = pg_ds.client.post("/api/v1/licenses", headers=headers, json=payload)
        assert response.status_code == status, (payload, response.text)
        assert field in [e["field"] for e in response.json()["errors"]]
    staff = pg_ds.client.post(
        "/api/v1/licenses", headers=tokens.staff("reviewer", department="psb"), json={**body, "trust_level": "B"}
    )
    assert staff.status_code == 201 and staff.json()["issuer_department"] == "psb"
    assert staff.json()["license_no"].startswith("PSB-")

    wallet = pg_ds.client.get(
        "/api/v1/licenses", headers=tokens.person(QIAN), params={"license_type": "residence_permit"}
    )
    assert wallet.headers["X-Total-Count"] == "2"
    assert {x["trust_level"] for x in wallet.json()} == {"B", "D"}
    assert wallet.json()[0]["verification_url"].startswith("https://gov.example.cn/verify/")
    types = pg_ds.client.get("/api/v1/license-types").json()
    assert {"business_license", "food_business_license", "residence_permit"} <= {t["code"] for t in types}


def test_licences_issued_before_this_version_still_verify(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str], tmp_path: Path
) -> None:
    url = new_database(f"ds_old_{uuid.uuid4().hex[:6]}")
    upgrade(MIGRATIONS, url, "0001")
    key = load_or_create_private_key(str(tmp_path / "keys" / "license.pem"), create=True)
    kid = LicenseSigner(key).key_id
    document = {
        "license_no": "AMR-20261120-ABCDEF0123",
        "license_type": "business_license",
        "name": "营业执照",
        "holder": {"id_number": ZHANG_SAN, "name": "张三", "type": "person"},
        "issuer_department": "amr",
        "case_no": "202611200000000001",
        "fields": {"business_name": "张三小吃店"},
        "issued_at": "2026-11-20T08:00:00Z",
        "valid_until": None,
        "key_id": kid,
    }
    payload = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO licenses (license_no, license_type, name, holder_id_number, holder_name, holder_type,"
                " issuer_department, case_no, fields, status, issued_at, valid_until, signature_alg, key_id,"
                " signature) VALUES (:no, 'business_license', '营业执照', :holder, '张三', 'person', 'amr',"
                " '202611200000000001', :fields, 'valid', :at, NULL, 'Ed25519', :kid, :sig)"
            ),
            {
                "no": document["license_no"],
                "holder": ZHANG_SAN,
                "fields": json.dumps(document["fields"], ensure_ascii=False),
                "at": datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
                "kid": kid,
                "sig": base64.b64encode(key.sign(payload)).decode(),
            },
        )
    engine.dispose()
    ds = start_ds(url)  # migrates to the head
    verification = _verify(ds, "AMR-20261120-ABCDEF0123")
    assert verification["valid"] is True and verification["signature_valid"] is True
    assert verification["trust_level"] == "A"
    with ds.runtime.db.session() as session:
        assert session.execute(text("SELECT form_version FROM licenses")).scalar() == 1


def test_licence_events_reach_kafka(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str], kafka_bootstrap: str, tokens: Tokens
) -> None:
    ds = start_ds(
        new_database(f"ds_kafka_{uuid.uuid4().hex[:6]}"),
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=f"dsk{uuid.uuid4().hex[:8]}.",
    )
    license_no = _issue(ds)
    ds.client.post(f"/api/v1/licenses/{license_no}/revoke", headers=tokens.admin(), json={"reason": "吊销"})
    consumer = ds.runtime.bus.consumer(f"reader-{uuid.uuid4().hex[:6]}", [Topics.LICENSE])
    seen: list[str] = []
    deadline = utcnow() + timedelta(seconds=30)
    while len(seen) < 2 and utcnow() < deadline:
        for message in consumer.poll(0.5):
            assert message.key == license_no
            seen.append(Event.decode(message.value).type)
    consumer.close()
    assert seen == ["gov.license.issued", "gov.license.revoked"]
