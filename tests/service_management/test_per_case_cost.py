"""What one case costs service-management (issue 13): the calendar read once per unit of work, each
process definition parsed once per process, one definition and one decision-table query per filing,
no clock_changed for the clock's start nor for its stop, and a pinned number of statements per filing, per handled
event of an instant case (the approval, the licence) and per read: the case row is written once
per unit of work, its process row once, and nothing is read back that the unit of work holds."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import sqlalchemy
from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import BatchHandler
from service_management.events import CASE_CLOCK_CHANGED
from service_management.models import DecisionTable, HeldLicense
from service_management.rules import service as rules
from service_management.rules.tables import decision_table
from service_management.supervision.calendar import load_calendar, set_day
from service_management.versions import KeptVersions
from service_management.workflow import engine
from tests.service_management.conftest import ITEM_INSTANT, PERSON, SM


def _statements(sm: SM) -> list[tuple[str, str]]:
    """Every statement with the name of the thread that ran it. The endpoint runs in a worker thread;
    the service's own background threads (the outbox relay, woken after each commit, the gauges, the
    supervision loop, the consumers) are all named after the service, and `_of_request` drops them."""
    seen: list[tuple[str, str]] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append((threading.current_thread().name, statement))

    sqlalchemy.event.listen(sm.runtime.db.engine, "before_cursor_execute", record)
    return seen


def _of_request(seen: list[tuple[str, str]]) -> list[str]:
    return [s for name, s in list(seen) if not name.startswith("service-management-")]


def test_the_calendar_is_read_once_per_unit_of_work_and_again_after_an_edit(sm: SM) -> None:
    with sm.session() as session:
        first = load_calendar(session)
        assert load_calendar(session) is first
        saturday = dt.date(2031, 1, 4)
        assert not first.is_working_day(saturday)
        set_day(session, day=saturday, kind="workday", name="调休")
        again = load_calendar(session)
        assert again is not first and again.is_working_day(saturday)
    with sm.session() as session:
        assert load_calendar(session).is_working_day(saturday)


def test_a_process_definition_is_parsed_once_per_process(sm: SM) -> None:
    sm.file()
    before = engine._parsed_spec.cache_info()
    sm.file()
    after = engine._parsed_spec.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


def test_filing_an_instant_case_runs_a_bounded_number_of_statements(any_sm: SM) -> None:
    sm = any_sm
    sm.file()  # warm: first filing of the process
    seen = _statements(sm)
    case_no = sm.file()["case_no"]
    mine = _of_request(seen)
    assert sum("FROM calendar_days" in s for s in mine) == 1
    assert sum("FROM process_definitions" in s for s in mine) == 1
    assert sum("FROM decision_tables" in s for s in mine) == 1
    # 11: item, calendar, INSERT case, definition, decision table, the outbox's rows, one UPDATE of the
    # case, the decision, the states, the process, the timeline's 3 steps. On PostgreSQL rows of one table
    # with RETURNING go in one statement; SQLite's driver inserts them one by one (the 3 steps, the 2
    # states: 14).
    postgres = sm.runtime.db.engine.dialect.name == "postgresql"
    assert len(mine) <= (11 if postgres else 14), "\n".join(mine)
    assert sum(s.startswith("INSERT INTO cases") for s in mine) == 1
    assert sum(s.startswith("UPDATE cases") for s in mine) == 1
    assert sum("case_workflows" in s for s in mine) == 1  # written once, after the filing's last step
    assert sum(s.startswith("INSERT INTO case_steps") for s in mine) == (1 if postgres else 3)
    assert not any("FROM case_materials" in s or "FROM case_states" in s for s in mine)
    types = [e.type for e in sm.events(EventTypes.CASE_DISPATCHED) + sm.events(CASE_CLOCK_CHANGED)]
    assert types.count(CASE_CLOCK_CHANGED) == 0 and types.count(EventTypes.CASE_DISPATCHED) == 2
    # The dispatch goes on the department's topic too, the same event, its two rows in one statement.
    on_department = sm.events(EventTypes.CASE_DISPATCHED, topic=Topics.department_cases("amr"))
    assert [e.id for e in on_department] == [e.id for e in sm.events(EventTypes.CASE_DISPATCHED, topic=Topics.CASE)]
    # Submitted, accepted and dispatched (on two topics): four rows, one statement, in the order emitted.
    [outbox_insert] = [s for s in mine if s.startswith("INSERT INTO outbox")]
    assert outbox_insert.count("), (") == 3, outbox_insert
    with sm.runtime.db.engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.text("SELECT topic, payload FROM outbox WHERE key = :key ORDER BY id"), {"key": case_no}
        ).all()
    assert [(topic, json.loads(payload)["type"]) for topic, payload in rows] == [
        (Topics.CASE, EventTypes.CASE_SUBMITTED),
        (Topics.CASE, EventTypes.CASE_ACCEPTED),
        (Topics.CASE, EventTypes.CASE_DISPATCHED),
        (Topics.department_cases("amr"), EventTypes.CASE_DISPATCHED),
    ]
    seen.clear()
    sm.case(case_no, headers=sm.person())
    reading = _of_request(seen)
    assert sum("FROM case_materials" in s for s in reading) == 1
    # 8: the case, its steps, the item's name and materials, the calendar, the materials, progress, decisions
    # and states. A case not ended cannot be rated and one never asked to supplement has no requests: neither
    # is looked for; nor are the item's guide, form and rule read.
    assert len(reading) <= 8, "\n".join(reading)
    assert not any("FROM evaluations" in s or "FROM supplement_requests" in s for s in reading), reading
    [item_read] = [s for s in reading if "FROM items" in s]
    assert "items.materials" in item_read and "items.guide" not in item_read, item_read


def test_the_events_of_an_instant_case_run_a_pinned_number_of_statements(any_sm: SM) -> None:
    """The department's approval and the licence library's licence, as the consumer hands them over:
    the case read with its process row (and locked) in one statement, its timeline not read, the
    case written once; the held licence recorded in one statement (by its own consumer group)."""
    sm = any_sm
    licence_of: dict[str, Any] = {
        "license_type": "business_license",
        "holder_id_number": PERSON,
        "holder_type": "person",
    }
    # A first case of the item concluded: the concluded event's item name is read, once per item version.
    first, case_no = sm.file()["case_no"], sm.file()["case_no"]
    sm.approve(first, automated=True)
    seen = _statements(sm)
    sm.deliver(EventTypes.LICENSE_ISSUED, {"case_no": first, "license_no": "AMR-COST-0", **licence_of})
    assert sum("FROM items" in s for s in _of_request(seen)) == 1
    seen.clear()
    sm.approve(case_no, automated=True)
    approval = _of_request(seen)
    # case+process, the states left, UPDATE case, the decision, UPDATE process, the timeline's step.
    assert len(approval) <= 6, "\n".join(approval)
    assert sum(s.startswith("UPDATE cases") for s in approval) == 1
    assert sum(s.startswith("SELECT") for s in approval) == 1
    assert not any("FROM case_steps" in s or "FROM calendar_days" in s or "FROM items" in s for s in approval)
    seen.clear()
    sm.deliver(EventTypes.LICENSE_ISSUED, {"case_no": case_no, "license_no": "AMR-COST-1", **licence_of})
    licence = _of_request(seen)
    # case+process, 1 outbox row (concluded: the ending stops the clock and tells it; no clock_changed, so no
    # calendar read for its working days left; the item's name known from the first case), UPDATE case, the
    # timeline's step; and in the held licences' group, one upsert.
    assert len(licence) <= 5, "\n".join(licence)
    assert not any("FROM calendar_days" in s or "FROM items" in s for s in licence), licence
    assert sum(s.startswith("UPDATE cases") for s in licence) == 1
    assert sum("held_licenses" in s for s in licence) == 1
    assert not any("FROM case_steps" in s or "FROM case_workflows" in s for s in licence)
    case = sm.case(case_no)
    assert case["status"] == "concluded" and case["license_no"] == "AMR-COST-1"
    assert [t["status"] for t in case["timeline"]] == ["submitted", "accepted", "dispatched", "approved", "concluded"]
    assert [(s["state"], s["left_at"] is not None) for s in case["states"]] == [
        ("intake", True),
        ("department_review", True),
    ]
    assert case["clock"]["state"] == "stopped"
    assert [e.type for e in sm.events(EventTypes.CASE_CONCLUDED) if e.subject == case_no] == [EventTypes.CASE_CONCLUDED]
    assert not [e for e in sm.events(CASE_CLOCK_CHANGED) if e.subject == case_no]
    with sm.session() as session:
        held = session.get(HeldLicense, "AMR-COST-1")
        assert held is not None and held.status == "valid" and held.holder_id_number == PERSON
        held.status = "revoked"
    sm.deliver(  # the same licence told again (a replay): its record is updated, its status kept
        EventTypes.LICENSE_ISSUED,
        {
            "case_no": case_no,
            "license_no": "AMR-COST-1",
            "license_type": "business_license",
            "holder_id_number": PERSON,
        },
    )
    with sm.session() as session:
        held = session.get(HeldLicense, "AMR-COST-1")
        assert held is not None and held.status == "revoked"


def test_a_version_of_the_process_and_of_the_decision_table_is_read_once_per_process(any_sm: SM) -> None:
    # Versions are never changed once written: a filing reads which one is current (its id) and the
    # version itself only the first time the process meets it (workflow.service.current_definition_version,
    # rules.service.current_table_version).
    sm = any_sm
    uploaded = sm.client.put(
        f"/api/v1/items/{ITEM_INSTANT}/process",
        json={"bpmn_xml": engine.DEFAULT_BPMN.decode("utf-8"), "time_limits": {}},
        headers=sm.staff("admin"),
    )
    assert uploaded.status_code == 201, uploaded.text
    seen = _statements(sm)
    sm.file()
    first = _of_request(seen)
    seen.clear()
    sm.file()
    again = _of_request(seen)
    for statements, read in ((first, True), (again, False)):
        assert any("bpmn_xml" in s for s in statements) is read, statements
        assert any("decision_tables.graph" in s for s in statements) is read, statements


def test_a_table_version_rolled_back_is_not_taken_for_the_row_that_gets_its_id(sm: SM) -> None:
    # SQLite gives the id of a row whose insert was rolled back to the next row: the versions kept are
    # told apart by the time they were written as well.
    engine_ = sm.runtime.db.engine
    graphs = [decision_table(name, [], [([], True, name)]) for name in ("甲", "乙")]
    with Session(engine_) as session:
        session.add(DecisionTable(item_code="TEST-ROLLBACK", version=1, graph=graphs[0], created_by="t"))
        session.flush()
        rolled_back = rules.current_table_version(session, "TEST-ROLLBACK")
        assert rolled_back is not None and rolled_back.graph == graphs[0]
        session.rollback()
    with Session(engine_) as session:
        session.add(DecisionTable(item_code="TEST-ROLLBACK", version=1, graph=graphs[1], created_by="t"))
        session.commit()
        current = rules.current_table_version(session, "TEST-ROLLBACK")
    assert current is not None and current.id == rolled_back.id  # the same id, given again
    assert current.graph == graphs[1]


def test_kept_versions_read_each_once_keep_at_most_their_number_and_never_a_missing_row() -> None:
    reads: list[int] = []

    def read(n: int) -> str | None:
        reads.append(n)
        return None if n < 0 else f"v{n}"

    kept: KeptVersions[str] = KeptVersions(kept=2)
    assert [kept.get(n, "t", lambda n=n: read(n)) for n in (1, 1, 2, 1)] == ["v1", "v1", "v2", "v1"]
    assert reads == [1, 2]
    assert kept.get(1, "later", lambda: read(1)) == "v1" and reads == [1, 2, 1]  # another row with that id
    assert kept.get(1, "t", lambda: read(1)) == "v1" and reads == [1, 2, 1, 1]  # the oldest went first
    assert kept.get(-1, "t", lambda: read(-1)) is None and kept.get(-1, "t", lambda: read(-1)) is None
    assert reads[-2:] == [-1, -1]  # no row: nothing kept


def test_the_held_licences_are_kept_by_a_group_of_their_own_a_gathered_batch_in_one_statement(any_sm: SM) -> None:
    """The cases' group concludes the case on the licence and nothing more; the held licences' group (expiry
    reminders) gathers the licence events and writes a batch of them with one upsert, without inbox rows (each
    effect is keyed by the licence's number, so an event taken again changes nothing)."""
    sm = any_sm
    settings = sm.runtime.settings
    [group] = [c for c in sm.runtime.consumers if c.group == settings.held_licences_consumer_group]
    assert group.topics == [Topics.LICENSE] and group.gather_ms == 1000
    issued = group.handlers[EventTypes.LICENSE_ISSUED]
    assert isinstance(issued, BatchHandler) and issued.idempotent
    case_no = sm.file()["case_no"]
    sm.approve(case_no)
    with sm.session() as session:  # the cases' group alone
        sm.runtime.handlers[EventTypes.LICENSE_ISSUED](
            session,
            Event.new(
                type=EventTypes.LICENSE_ISSUED,
                source="/test",
                subject="AMR-G-1",
                data={"case_no": case_no, "license_no": "AMR-G-1", "holder_id_number": PERSON},
            ),
        )
    assert sm.case(case_no)["status"] == "concluded"
    with sm.session() as session:
        assert session.get(HeldLicense, "AMR-G-1") is None

    def licence(no: str, until: str) -> Event:
        data = {"license_no": no, "license_type": "business_license", "holder_id_number": PERSON, "valid_until": until}
        return Event.new(type=EventTypes.LICENSE_ISSUED, source="/test", subject=no, data=data)

    seen = _statements(sm)
    with sm.session() as session:
        issued.handle_batch(
            session,
            [licence("AMR-G-1", "2031-01-01"), licence("AMR-G-2", "2031-02-01"), licence("AMR-G-1", "2032-01-01")],
        )
    written = _of_request(seen)
    assert [s.split(" (")[0] for s in written if "held_licenses" in s] == ["INSERT INTO held_licenses"], written
    with sm.session() as session:
        rows = {h.license_no: h.valid_until.date().isoformat() for h in session.scalars(select(HeldLicense))}
    assert rows == {"AMR-G-1": "2032-01-01", "AMR-G-2": "2031-02-01"}  # the last word on a licence wins
