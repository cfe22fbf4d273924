"""Migration 0003 carries the supplement request a case waits for into its own row, on SQLite and
on PostgreSQL, and gives every existing material `paper_received = false`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gov_common.migrations import upgrade
from service_management.app import MIGRATIONS
from service_management.models import Case, CaseMaterial, CaseStep, Department, Item, SupplementRequest

PAUSED = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sm.db'}"
    new_database: Callable[[str], str] = request.getfixturevalue("new_database")
    return new_database(f"sm_mig_{uuid.uuid4().hex[:6]}")


def _case(session: Session, item: Item, case_no: str, status: str) -> Case:
    case = Case(
        case_no=case_no,
        item_id=item.id,
        item_code=item.code,
        item_version=1,
        department_code="hrss",
        applicant_sub="walk-in:x",
        applicant_type="person",
        applicant_id_number="11010519491231002X",
        applicant_name="张三",
        channel="window",
        form={},
        status=status,
        supplement_codes=["LDHT"] if status == "supplement_requested" else [],
        reason="劳动合同须盖章" if status == "supplement_requested" else None,
        paused_at=PAUSED if status == "supplement_requested" else None,
        timeline=[],
    )
    session.add(case)
    session.flush()
    return case


def test_the_open_supplement_request_is_carried_over(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url, "0002")
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            session.add(Department(code="hrss", name="人社局", division_code="330122"))
            item = Item(
                code="330122-HRSS-QR-0001", name="就业登记", item_type="confirmation", department_code="hrss",
                statutory_days=5, committed_days=3, status="published",
            )  # fmt: skip
            session.add(item)
            session.flush()
            waiting = _case(session, item, "2026112000000001", "supplement_requested")
            session.add(CaseStep(case_id=waiting.id, status="submitted", actor="窗口李"))
            session.add(CaseStep(case_id=waiting.id, status="supplement_requested", actor="窗口王"))
            _case(session, item, "2026112000000002", "dispatched")
            session.execute(
                sa.text(
                    "INSERT INTO case_materials (case_id, code, name, file_id, provided_by, provided_at)"
                    " VALUES (:case_id, 'DJB', '就业登记表', :file_id, 'x', :at)"
                ),
                {"case_id": waiting.id, "file_id": "f" * 64, "at": PAUSED},
            )
        upgrade(MIGRATIONS, database_url)
        with Session(engine) as session:
            [request] = session.scalars(sa.select(SupplementRequest)).all()
            assert (request.materials, request.reason, request.requested_by) == (["LDHT"], "劳动合同须盖章", "窗口王")
            assert request.requested_at == PAUSED and request.supplied_at is None
            assert session.scalars(sa.select(CaseMaterial.paper_received)).all() == [False]
    finally:
        engine.dispose()
