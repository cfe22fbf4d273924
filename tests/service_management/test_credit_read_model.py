"""service-management's read model of the credit lists (credit_model.py), on its real app and
database, the facts handed to `apply` as the feed hands them (tests/integration/test_credit_feed.py
runs the same through data-sharing, PostgreSQL and Kafka).

Before the model has caught up with data-sharing (no heartbeat stored after reading the topic to its
end) and when its last heartbeat is too old, the status is "unavailable" (an instant-approval filing
is a 503 credit_unavailable and files nothing: issue 14, a lag never changes a decision); otherwise it
is the subject's records in force today; every read is recorded in `credit_reads`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.db import utcnow
from gov_common.events import Event, EventTypes
from gov_common.files import file_store_from_url
from gov_common.workdays import LOCAL_ZONE
from service_management.app import create_app, create_runtime, migrate
from service_management.credit_model import LocalCredit, apply, credit_reads, credit_subjects
from service_management.ports import Ports
from service_management.settings import Settings
from tests.service_management.conftest import (
    BUSINESS_FORM,
    ITEM_INSTANT,
    OTHER_PERSON,
    PERSON,
    SM,
    FakeCredit,
    FakeLicences,
)

TODAY = dt.datetime.now(LOCAL_ZONE).date()  # the day in Beijing, as the read model counts days


def fact(subject: str, version: int, *records: dict[str, Any]) -> Event:
    return Event.new(
        type=EventTypes.CREDIT_STATUS,
        source="/data-sharing",
        subject=subject,
        data={"subject": subject, "subject_type": "person", "version": version, "records": list(records)},
    )


def record(list_: str, *, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, Any]:
    return {
        "id": 1,
        "list": list_,
        "source_department": "amr",
        "valid_from": (start or TODAY - dt.timedelta(days=1)).isoformat(),
        "valid_until": end.isoformat() if end else None,
    }


def heartbeat(age_seconds: float = 0) -> Event:
    beat = Event.new(type=EventTypes.CREDIT_HEARTBEAT, source="/data-sharing", subject="~heartbeat", data={})
    return dataclasses.replace(beat, time=utcnow() - dt.timedelta(seconds=age_seconds))


@pytest.fixture
def local(tmp_path: Path) -> Iterator[SM]:
    """service-management with its own credit read model (not a fake), max age 15 s."""
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'sm.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=True,
        run_worker=False,
        supervision_interval_seconds=0,
        relay_poll_seconds=60,
        credit_max_age_seconds=15,
    )
    migrate(settings)
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    ports = Ports(
        files=file_store_from_url(str(tmp_path / "files"), max_bytes=64 * 1024),
        credit=LocalCredit(max_age_seconds=15),
        licences=FakeLicences(),
    )
    runtime = create_runtime(settings, verifier=verifier, ports=ports)
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        yield SM(client=client, runtime=runtime, credit=FakeCredit(), licences=ports.licences, issuer=issuer)  # type: ignore[arg-type]


def feed(sm: SM, *events: Event, caught_up: bool = True) -> int:
    with sm.session() as session:
        return apply(session, list(events), caught_up=caught_up)


def file(sm: SM, person: str = PERSON) -> Any:
    return sm.client.post(
        "/api/v1/cases", json={"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}, headers=sm.person(person)
    )


def reads(sm: SM) -> list[Any]:
    with sm.session() as session:
        return list(session.execute(select(credit_reads).order_by(credit_reads.c.id)).all())


def test_before_the_model_has_caught_up_no_instant_decision_is_made(local: SM) -> None:
    assert local.client.get("/readyz").json()["checks"]["credit"] is False
    # Facts read, and a heartbeat seen before the reader reached the topic's end: not yet vouched for.
    feed(local, fact(PERSON, 1, record("black")), heartbeat(), caught_up=False)
    refused = file(local)
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0, refused.text
    assert refused.json()["code"] == "credit_unavailable"
    assert "正在从数据共享服务读取信用名单" in refused.json()["detail"]
    assert local.client.get("/api/v1/cases", headers=local.person()).json() == []
    assert reads(local) == []  # nothing was read about the applicant

    feed(local, heartbeat(), caught_up=True)
    assert local.client.get("/readyz").json()["checks"]["credit"] is True
    filed = file(local)
    assert filed.status_code == 201, filed.text
    [decision] = local.case(filed.json()["case_no"])["decisions"]
    assert decision["instant"] is False and "失信黑名单" in decision["explanation"]
    assert decision["inputs"]["applicant"]["credit"] == {"black_listed": True, "red_listed": False}


def test_a_clean_applicant_is_approved_instantly_and_the_read_is_recorded(local: SM) -> None:
    feed(local, fact(PERSON, 1, record("red")), heartbeat())
    filed = file(local)
    assert filed.status_code == 201, filed.text
    [decision] = local.case(filed.json()["case_no"])["decisions"]
    assert decision["instant"] is True
    assert decision["inputs"]["applicant"]["credit"] == {"black_listed": False, "red_listed": True}
    [read] = reads(local)
    assert (read.subject, read.version, read.black_listed, read.red_listed) == (PERSON, 1, False, True)
    assert read.purpose == f"filing {ITEM_INSTANT}"


def test_a_stale_model_makes_instant_filings_wait(local: SM) -> None:
    """No heartbeat for longer than the max age: data-sharing, its relay or Kafka is down, or the
    feed lags; the lists may have changed meanwhile, so nothing is decided on them."""
    feed(local, heartbeat(age_seconds=60))
    refused = file(local)
    assert refused.status_code == 503 and refused.json()["code"] == "credit_unavailable", refused.text
    assert "未收到数据共享服务的信用名单更新" in refused.json()["detail"]
    feed(local, heartbeat())
    assert file(local).status_code == 201


def test_redelivered_and_older_facts_change_nothing(local: SM) -> None:
    assert feed(local, fact(PERSON, 2, record("black")), heartbeat()) == 1
    assert feed(local, fact(PERSON, 2, record("black"))) == 0  # redelivered
    assert feed(local, fact(PERSON, 1)) == 0  # an older fact, late (no records: it would clear the list)
    assert feed(local, fact(PERSON, 3), fact(PERSON, 4, record("black")), fact(OTHER_PERSON, 1)) == 2
    with local.session() as session:
        rows = dict(session.execute(select(credit_subjects.c.subject, credit_subjects.c.version)).all())
        assert rows == {PERSON: 4, OTHER_PERSON: 1}
        assert session.execute(select(func.count()).select_from(credit_subjects)).scalar_one() == 2
    with local.session() as session:
        status = LocalCredit(max_age_seconds=15).read(session, PERSON, purpose="test", actor="t")
    assert status.known and status.black_listed and not status.red_listed


def test_only_records_in_force_today_count(local: SM) -> None:
    # One instant for the records and the reads: a run across midnight in Beijing once saw "tomorrow" in force.
    now = utcnow()
    today = now.astimezone(LOCAL_ZONE).date()
    ended = record("black", start=today - dt.timedelta(days=30), end=today - dt.timedelta(days=1))
    future = record("black", start=today + dt.timedelta(days=1))
    current = record("red", start=today, end=today)
    feed(local, fact(PERSON, 1, ended, future, current), heartbeat())
    credit = LocalCredit(max_age_seconds=15)
    with local.session() as session:
        status = credit.read(session, PERSON, purpose="test", actor=None, now=now)
        unknown = credit.read(session, OTHER_PERSON, purpose="test", actor=None, now=now)
    assert status.known and not status.black_listed and status.red_listed and len(status.records) == 1
    assert unknown.known and not unknown.black_listed and not unknown.red_listed  # on no list


def test_malformed_facts_are_skipped(local: SM) -> None:
    bad = Event.new(
        type=EventTypes.CREDIT_STATUS, source="/x", subject=PERSON, data={"subject": PERSON, "version": "2"}
    )
    assert feed(local, bad, fact(OTHER_PERSON, 1, record("black")), heartbeat()) == 1
    with local.session() as session:
        assert session.execute(select(func.count()).select_from(credit_subjects)).scalar_one() == 1


def test_a_read_is_three_statements_in_the_callers_transaction(local: SM) -> None:
    """The heartbeat and the subject's facts in one SELECT, then the record of the read and the event that
    reports it to data-sharing's audit log; committed with the caller's unit of work (pinned: issue 13
    counts statements per case)."""
    feed(local, fact(PERSON, 1, record("black")), heartbeat())
    seen: list[str] = []
    me = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Only this thread's: the runtime's relay and consumers poll on the same engine from their own threads
        # (a busy machine once put a relay poll between the test's statements).
        if threading.get_ident() == me:
            seen.append(statement.split()[0].upper())

    engine = local.runtime.db.engine
    sqlalchemy.event.listen(engine, "before_cursor_execute", count)
    try:
        with local.session() as session:
            status = LocalCredit(max_age_seconds=15).read(session, PERSON, purpose="test", actor=None)
            session.rollback()  # the caller's unit of work failed: no record of the read stays
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", count)
    assert status.black_listed
    # The SELECT, the record of the read, and its gov.data.read event for data-sharing's audit log (outbox).
    assert [s for s in seen if s in ("SELECT", "INSERT")] == ["SELECT", "INSERT", "INSERT"], seen
    assert reads(local) == []
