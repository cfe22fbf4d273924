"""The credit library on PostgreSQL: departments record red- and black-list entries; the status
counts only the records in force; the subject sees theirs; every read is audited."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from tests.data_sharing.conftest import BLACK_ENTITY, ENTITY, QIAN, ZHANG_SAN, DataSharing, Tokens


def _status(ds: DataSharing, headers: dict[str, str], subject: str) -> dict:  # type: ignore[type-arg]
    response = ds.client.get(f"/api/v1/credit/subjects/{subject}/status", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_records_in_force_decide_the_lists(pg_ds: DataSharing, tokens: Tokens) -> None:
    amr = tokens.staff("reviewer", department="amr", name="市场监管审批员")
    service = tokens.client("service-management", "service")
    assert _status(pg_ds, service, QIAN) == {"subject": QIAN, "black_listed": False, "red_listed": False, "records": []}
    today = date.today()
    entries = [
        {"list": "black", "reason": "严重违法失信（虚假登记）", "valid_from": str(today - timedelta(days=3))},
        {"list": "black", "reason": "已到期的旧记录", "valid_from": "2020-01-01", "valid_until": "2021-01-01"},
        {"list": "red", "reason": "尚未生效", "valid_from": str(today + timedelta(days=10))},
    ]
    ids = []
    for entry in entries:
        response = pg_ds.client.post("/api/v1/credit/records", headers=amr, json={"subject": QIAN, **entry})
        assert response.status_code == 201, response.text
        assert response.json()["source_department"] == "amr" and response.json()["subject_type"] == "person"
        ids.append(response.json()["id"])
    status = _status(pg_ds, service, QIAN)
    assert status["black_listed"] is True and status["red_listed"] is False
    assert [r["reason"] for r in status["records"]] == ["严重违法失信（虚假登记）"]
    assert _status(pg_ds, tokens.person(QIAN, "钱多多"), QIAN)["black_listed"] is True  # shown to the subject

    # Credit repair: only the source department (or the admin) withdraws.
    other = tokens.staff("reviewer", department="psb")
    assert (
        pg_ds.client.post(
            f"/api/v1/credit/records/{ids[0]}/withdraw", headers=other, json={"reason": "信用修复"}
        ).status_code
        == 403
    )
    withdrawn = pg_ds.client.post(f"/api/v1/credit/records/{ids[0]}/withdraw", headers=amr, json={"reason": "信用修复"})
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_by"] == "市场监管审批员"
    assert _status(pg_ds, service, QIAN)["black_listed"] is False
    assert (
        pg_ds.client.post(f"/api/v1/credit/records/{ids[0]}/withdraw", headers=amr, json={"reason": "再次"}).status_code
        == 409
    )

    reads = pg_ds.client.get(
        "/api/v1/audit/entries", headers=tokens.admin(), params={"subject": QIAN, "resource": "credit"}
    ).json()
    assert len(reads) == 4 and {r["outcome"] for r in reads} == {"allowed"}
    mine = pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(QIAN)).json()
    assert {m["reader"]["client_id"] for m in mine} == {"service-management"}  # the subject's own reads are not listed


def test_bad_input_and_who_may_record_or_read(pg_ds: DataSharing, tokens: Tokens) -> None:
    client = pg_ds.client
    amr = tokens.staff("reviewer", department="amr")
    for body, field in [
        ({"subject": "123", "list": "black", "reason": "原因", "valid_from": "2026-01-01"}, "subject"),
        ({"subject": QIAN, "list": "grey", "reason": "原因", "valid_from": "2026-01-01"}, "list"),
        (
            {"subject": QIAN, "list": "red", "reason": "原因", "valid_from": "2026-02-01", "valid_until": "2026-01-01"},
            "valid_until",
        ),
        (
            {"subject": QIAN, "list": "red", "reason": "原因", "valid_from": "2026-01-01", "source_department": "psb"},
            "source_department",
        ),
    ]:
        response = client.post("/api/v1/credit/records", headers=amr, json=body)
        assert response.status_code in (403, 422), response.text
        assert field in [e["field"] for e in response.json()["errors"]]
    admin = client.post(
        "/api/v1/credit/records",
        headers=tokens.admin(),
        json={"subject": ENTITY, "list": "red", "reason": "守信激励", "valid_from": "2026-01-01"},
    )
    assert admin.status_code == 422 and admin.json()["errors"][0]["field"] == "source_department"
    applicant = client.post(
        "/api/v1/credit/records",
        headers=tokens.person(ZHANG_SAN),
        json={"subject": ZHANG_SAN, "list": "red", "reason": "自荐", "valid_from": "2026-01-01"},
    )
    assert applicant.status_code == 403
    bad = client.get("/api/v1/credit/subjects/12345/status", headers=tokens.admin())
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "subject"
    # An applicant may not look up someone else; the entity reads its own (lower-case input is normalised).
    assert (
        client.get(f"/api/v1/credit/subjects/{BLACK_ENTITY}/status", headers=tokens.person(ZHANG_SAN)).status_code
        == 403
    )
    own = client.get(f"/api/v1/credit/subjects/{BLACK_ENTITY.lower()}/status", headers=tokens.entity(BLACK_ENTITY))
    assert own.status_code == 200 and own.json()["black_listed"] is True


def test_a_read_of_service_managements_credit_model_is_in_the_persons_data_access(
    pg_ds: DataSharing, tokens: Tokens
) -> None:
    """service-management reads its copy of the credit lists (credit_model.py) and reports each read as a
    gov.data.read event: data-sharing records it in the audit log, so the person sees it as before."""
    from gov_common.events import Event, EventTypes
    from gov_common.messaging import BatchHandler, run_handler

    event = Event.new(
        type=EventTypes.DATA_READ,
        source="/service-management",
        subject=QIAN,
        data={
            "resource": "credit",
            "fields": ["subject", "black_listed", "red_listed", "records"],
            "purpose": "即办件审查：申请人信用状况",
            "reader": "service-management",
            "read_at": "2026-12-05T03:00:00+00:00",
        },
    )
    run_handler(pg_ds.runtime.db, _reported_reads(pg_ds), event)
    mine = pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(QIAN)).json()
    assert [(m["reader"]["client_id"], m["resource"], m["outcome"]) for m in mine] == [
        ("service-management", "credit", "allowed")
    ]
    # A consumer's poll batch of such reads is appended in one call (docs/messaging.md, BatchHandler).
    handler = _reported_reads(pg_ds)
    assert isinstance(handler, BatchHandler)
    with pg_ds.runtime.db.session() as session:
        handler.handle_batch(session, [dataclasses.replace(event, id=f"{event.id}-{n}") for n in range(2)])
    assert len(pg_ds.client.get("/api/v1/audit/my-data-access", headers=tokens.person(QIAN)).json()) == 3
    assert pg_ds.client.get("/api/v1/audit/verify", headers=tokens.admin()).json()["valid"] is True
    mine = mine[:1]
    assert mine[0]["purpose"] == "即办件审查：申请人信用状况" and "black_listed" in mine[0]["fields"]
    assert pg_ds.client.get("/api/v1/audit/verify", headers=tokens.admin()).json()["valid"] is True

    broken = Event.new(
        type=EventTypes.DATA_READ, source="/service-management", subject=QIAN, data={"resource": "credit"}
    )
    # Refused by the consumer before the handler runs (dead-lettered, the field named, never retried); a
    # handler called by hand parses it and fails the same way.
    with pytest.raises(ValidationError, match="reader"):
        run_handler(pg_ds.runtime.db, _reported_reads(pg_ds), broken)


def _reported_reads(ds: DataSharing) -> Any:
    """The handler of reported reads, in the consumer group of their own (settings.reported_reads_consumer_group)."""
    [group] = [c for c in ds.runtime.consumers if "gov.data.read" in c.handlers]
    return group.handlers["gov.data.read"]
