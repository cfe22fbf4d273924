"""Migration 0004 gives every item its `updated_at` (publication, else creation). Migration 0003
carries the supplement request a case waits for into its own row, on SQLite and
on PostgreSQL, and gives every existing material `paper_received = false`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gov_common.migrations import upgrade
from service_management.app import MIGRATIONS
from service_management.catalogue.service import ItemRetired, get_public
from service_management.models import CaseMaterial, CaseStep, Department, Item, SupplementRequest

PAUSED = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
CREATED = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)
PUBLISHED = dt.datetime(2026, 1, 6, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sm.db'}"
    new_database: Callable[[str], str] = request.getfixturevalue("new_database")
    return new_database(f"sm_mig_{uuid.uuid4().hex[:6]}")


@dataclass
class OldItem:
    id: int
    code: str


def _department(session: Session) -> None:
    """A department row as the early revisions knew it (the model has columns added since)."""
    session.execute(sa.text("INSERT INTO departments (code, name, division_code) VALUES ('hrss', '人社局', '330122')"))


def _old_item(session: Session, code: str, *, status: str, published_at: dt.datetime | None = None) -> OldItem:
    """An item row as revision 0002/0003 knew it (the model has columns added since)."""
    items = sa.Table("items", sa.MetaData(), autoload_with=session.connection())
    values: dict[str, Any] = {
        "code": code, "version": 1, "name": "就业登记", "item_type": "confirmation", "department_code": "hrss",
        "status": status, "audience": ["person"], "instant_approval": False, "statutory_days": 5,
        "committed_days": 3, "legal_basis": "", "description": "", "form_fields": [], "fee": {"free": True},
        "materials": [], "online_depth": "at_most_one_visit", "channels": ["window"], "themes": [], "keywords": [],
        "search_text": "", "facets": "", "created_at": CREATED, "published_at": published_at,
    }  # fmt: skip
    key = session.execute(items.insert().values(**values)).inserted_primary_key
    assert key is not None
    return OldItem(id=int(key[0]), code=code)


def _case(session: Session, item: OldItem, case_no: str, status: str) -> OldItem:
    """A case row as revision 0002 knew it (the model has columns added since)."""
    cases = sa.Table("cases", sa.MetaData(), autoload_with=session.connection())
    now = dt.datetime.now(dt.UTC)
    values: dict[str, Any] = {
        "case_no": case_no, "item_id": item.id, "item_code": item.code, "item_version": 1,
        "department_code": "hrss", "applicant_sub": "walk-in:x", "applicant_type": "person",
        "applicant_id_number": "11010519491231002X", "applicant_name": "张三", "channel": "window", "form": {},
        "status": status, "supplement_codes": ["LDHT"] if status == "supplement_requested" else [],
        "reason": "劳动合同须盖章" if status == "supplement_requested" else None,
        "paused_at": PAUSED if status == "supplement_requested" else None, "timeline": [],
        "created_at": now, "updated_at": now, "instant_approved": False, "limit_days": 0, "clock_state": "running",
    }  # fmt: skip
    values = {k: v for k, v in values.items() if k in cases.c}
    key = session.execute(cases.insert().values(**values)).inserted_primary_key
    assert key is not None
    return OldItem(id=int(key[0]), code=case_no)


def test_the_open_supplement_request_is_carried_over(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url, "0002")
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            _department(session)
            item = _old_item(session, "330122-HRSS-QR-0001", status="published")
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


def test_items_get_their_last_change_and_a_retired_one_stays_gone(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url, "0003")
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            _department(session)
            session.flush()
            _old_item(session, "330122-HRSS-QR-0001", status="published", published_at=PUBLISHED)
            _old_item(session, "330122-HRSS-QR-0002", status="draft")
            _old_item(session, "330122-HRSS-QR-0003", status="retired", published_at=PUBLISHED)
        upgrade(MIGRATIONS, database_url)
        with Session(engine) as session:
            rows = session.execute(sa.select(Item.code, Item.updated_at, Item.retired_at).order_by(Item.code)).all()
            assert [(r.updated_at, r.retired_at) for r in rows] == [
                (PUBLISHED, None),
                (CREATED, None),
                (PUBLISHED, None),
            ]
            # Retired before reasons were kept: still gone, with no reason to tell.
            with pytest.raises(ItemRetired) as gone:
                get_public(session, "330122-HRSS-QR-0003")
            assert gone.value.extra["retirement"] is None and gone.value.extra["item"]["name"] == "就业登记"
    finally:
        engine.dispose()


def test_items_seeded_before_the_guide_get_an_empty_one_and_are_still_served(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url, "0009")
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            _department(session)
            _old_item(session, "330122-HRSS-QR-0001", status="published", published_at=PUBLISHED)
        upgrade(MIGRATIONS, database_url)
        with Session(engine) as session:
            item = get_public(session, "330122-HRSS-QR-0001")
            assert item.guide == {}
            department = session.get_one(Department, "hrss")
            assert (department.reconsideration_body, department.litigation_court) == (None, None)
    finally:
        engine.dispose()
