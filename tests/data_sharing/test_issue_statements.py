"""What issuing a licence for an approved case costs in SQL, pinned so that it cannot creep back
(issue 13): is there a licence for the case already, the licence, its event in the outbox. The
licence type is read once per process (a type never changes once registered)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import sqlalchemy

from data_sharing.licenses import service
from data_sharing.licenses.service import issue_for_approved_case
from gov_common.events import Event, EventTypes
from tests.data_sharing.conftest import ZHANG_SAN, DataSharing


def _approval() -> Event:
    case_no = f"20261205{uuid.uuid4().int % 10**10:010d}"
    spec = {
        "type": "business_license",
        "name": "营业执照",
        "issuer_department": "amr",
        "holder": {"id_number": ZHANG_SAN, "name": "张三", "type": "person"},
        "fields": {"business_name": "张三小吃店", "business_address": "人民路1号"},
    }
    return Event.new(
        type=EventTypes.CASE_APPROVED,
        source="/business-systems/amr",
        subject=case_no,
        data={"case_no": case_no, "item_code": "330122-AMR-XK-0001", "department_code": "amr", "license": spec},
    )


def _statements(ds: DataSharing, event: Event) -> list[str]:
    seen: list[str] = []

    me = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == me:  # not the relay's or the heartbeat's
            seen.append(statement.split()[0].upper())

    engine = ds.runtime.db.engine
    sqlalchemy.event.listen(engine, "before_cursor_execute", count)
    try:
        with ds.runtime.db.session() as session:
            assert issue_for_approved_case(session, event, signer=ds.runtime.extras["license_signer"]) is not None
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", count)
    return [s for s in seen if s not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")]


def test_issuing_a_licence_takes_three_statements(pg_ds: DataSharing) -> None:
    service._TYPE_FACTS.clear()
    first = _statements(pg_ds, _approval())
    assert first == ["SELECT", "SELECT", "INSERT", "INSERT"], first  # the type read once
    assert _statements(pg_ds, _approval()) == ["SELECT", "INSERT", "INSERT"]


def test_an_unregistered_type_is_asked_again(pg_ds: DataSharing) -> None:
    event = _approval()
    event.data["license"]["type"] = "not_registered_yet"
    assert _statements(pg_ds, event) == ["SELECT", "SELECT", "INSERT", "INSERT"]
    assert "not_registered_yet" not in service._TYPE_FACTS
