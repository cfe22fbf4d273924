"""data-sharing's credit feed (credit/feed.py) as it lands in its outbox, on PostgreSQL: each change of
a subject's records is its records now with the next version; the seeded records are published at
start (backfill); the admin republishes every subject at its version. The whole path to
service-management's read model: tests/integration/test_credit_feed.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import outbox
from tests.data_sharing.conftest import BLACK_ENTITY, ENTITY, QIAN, DataSharing, Tokens


def _facts(ds: DataSharing) -> list[dict[str, Any]]:
    with ds.runtime.db.session() as session:
        rows = session.execute(
            select(outbox.c.key, outbox.c.payload).where(outbox.c.topic == Topics.CREDIT).order_by(outbox.c.id)
        ).all()
    events = [Event.decode(r.payload) for r in rows]
    assert all(e.subject == r.key for e, r in zip(events, rows, strict=True))  # keyed by subject
    return [e.data for e in events if e.type == EventTypes.CREDIT_STATUS]


def test_each_change_publishes_the_subjects_records_with_the_next_version(pg_ds: DataSharing, tokens: Tokens) -> None:
    seeded = {f["subject"]: f["version"] for f in _facts(pg_ds)}
    assert seeded == {ENTITY: 1, BLACK_ENTITY: 1}  # backfilled at start
    amr = tokens.staff("reviewer", department="amr")
    today = date.today()
    old = {"list": "red", "reason": "已到期", "valid_from": "2020-01-01", "valid_until": "2021-01-01"}
    black = {"list": "black", "reason": "严重违法失信", "valid_from": str(today - timedelta(days=1))}
    ids = []
    for entry in (old, black):
        response = pg_ds.client.post("/api/v1/credit/records", headers=amr, json={"subject": QIAN, **entry})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    withdrawn = pg_ds.client.post(f"/api/v1/credit/records/{ids[1]}/withdraw", headers=amr, json={"reason": "信用修复"})
    assert withdrawn.status_code == 200, withdrawn.text

    mine = [f for f in _facts(pg_ds) if f["subject"] == QIAN]
    assert [f["version"] for f in mine] == [1, 2, 3]
    assert mine[0]["records"] == []  # the ended record is not published
    assert [(r["id"], r["list"], r["valid_until"]) for r in mine[1]["records"]] == [(ids[1], "black", None)]
    assert "reason" not in mine[1]["records"][0]  # what a decision needs only
    assert mine[2]["records"] == [] and mine[2]["subject_type"] == "person"


def test_the_admin_republishes_every_subject_at_its_version(pg_ds: DataSharing, tokens: Tokens) -> None:
    refused = pg_ds.client.post("/api/v1/credit/feed/republish", headers=tokens.staff("reviewer", department="amr"))
    assert refused.status_code == 403
    before = len(_facts(pg_ds))
    response = pg_ds.client.post("/api/v1/credit/feed/republish", headers=tokens.admin())
    assert response.status_code == 200 and response.json() == {"subjects": 2}, response.text
    again = _facts(pg_ds)[before:]
    assert sorted((f["subject"], f["version"]) for f in again) == sorted([(BLACK_ENTITY, 1), (ENTITY, 1)])
