"""What service-management publishes carries what the warehouse (data-sharing, docs/warehouse.md)
needs: the filing with its channel and due time (gov.case.submitted), the rating (gov.case.evaluated).
The events of a real filing, approval and evaluation go through the warehouse's own handlers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from data_sharing.app import migrate
from data_sharing.settings import Settings
from data_sharing.warehouse.handlers import record
from data_sharing.warehouse.models import case_fact
from data_sharing.warehouse.pseudonym import Pseudonyms
from gov_common.db import Database
from gov_common.events import Event, EventTypes
from gov_common.messaging import outbox
from tests.service_management.conftest import ITEM_INSTANT, SM

PSEUDONYMS = Pseudonyms(bytes(32 * [7]))


def test_a_case_s_events_fill_the_warehouse_row(sm: SM, tmp_path: Path) -> None:
    applicant = sm.person()
    case_no = sm.file()["case_no"]
    [submitted] = [e for e in sm.events(EventTypes.CASE_SUBMITTED) if e.subject == case_no]
    assert submitted.data["channel"] == "online" and submitted.data["department_code"] == "amr"
    assert submitted.data["due_at"] and submitted.data["item_version"] >= 1
    sm.approve(case_no, automated=True)
    sm.issue_licence(case_no)
    assert (
        sm.client.post(f"/api/v1/cases/{case_no}/evaluation", json={"rating": 4}, headers=applicant).status_code == 201
    )
    [evaluated] = [e for e in sm.events("gov.case.evaluated") if e.subject == case_no]
    assert evaluated.data["rating"] == 4 and evaluated.data["item_code"] == ITEM_INSTANT

    with sm.session() as session:
        published = [Event.decode(r.payload) for r in session.execute(select(outbox.c.payload).order_by(outbox.c.id))]
    # The approval comes from the department's system; here as business-systems would publish it.
    approval = Event.new(
        type=EventTypes.CASE_APPROVED,
        source="/business-systems/amr",
        subject=case_no,
        data={
            "case_no": case_no,
            "department_code": "amr",
            "automated": True,
            "decided_at": published[-1].time.isoformat(),
        },
    )
    url = f"sqlite:///{tmp_path / 'ds.db'}"
    migrate(Settings(database_url=url))
    db = Database(url)
    try:
        for event in [*published, approval]:
            if event.subject == case_no:
                with db.session() as session:
                    record(session, event, PSEUDONYMS)
        with db.session() as session:
            row = session.execute(select(case_fact).where(case_fact.c.case_no == case_no)).mappings().one()
    finally:
        db.engine.dispose()
    assert (row["item_code"], row["department_code"], row["channel"]) == (ITEM_INSTANT, "amr", "online")
    assert (row["applicant_type"], row["division_code"], row["age_band"]) == ("person", "110105", "60+")
    assert row["submitted_at"] and row["accepted_at"] and row["dispatched_at"] and row["concluded_at"]
    assert (row["outcome"], row["instant"], row["rating"], row["on_time"]) == ("approved", True, 4, True)
