"""The statements a dispatched instant-approval case costs its department's consumer on PostgreSQL,
pinned so that they cannot creep back: the work item is written once, already decided (one INSERT,
no UPDATE after it), with the decision's outbox row, in the batch's one transaction, without a savepoint
and without a second inbox read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from business_systems.models import WorkItem
from gov_common.bus.base import Message
from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import TYPE_HEADER
from tests.business_systems.support import (
    BUSINESS_FORM,
    ITEM_BUSINESS,
    Department,
    Tokens,
    build_department,
    dispatched,
)


@pytest.fixture
def amr(tmp_path: Path, new_database: Callable[[str], str]) -> Iterator[Department]:
    yield from build_department(tmp_path, Tokens(), database_url=new_database("bs_arrival_statements"))


def _statements(department: Department) -> list[str]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        words = statement.replace('"', "").split()
        # The table after FROM, INTO or UPDATE (an ORM SELECT lists its columns first).
        table = next((words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "INTO", "UPDATE")), "")
        seen.append(f"{words[0].upper()} {table}".strip())

    sa_event.listen(department.runtime.db.engine, "before_cursor_execute", note)
    return seen


def test_an_instantly_approved_case_is_one_insert_of_its_decided_work_item(amr: Department) -> None:
    event = dispatched(item_code=ITEM_BUSINESS, form=BUSINESS_FORM, instant=True)
    consumer = amr.runtime.consumer
    assert consumer is not None
    statements = _statements(amr)
    consumer.handle_batch([Message(Topics.CASE, 0, 0, event.subject, event.encode(), {TYPE_HEADER: event.type})])
    assert statements == [
        "SELECT inbox",  # the prepare stage: handled already?
        # The batch's transaction: no savepoint while no event of it fails (gov_common.messaging); its
        # inbox rows first (handled meanwhile by another member?).
        "INSERT inbox",
        "SELECT work_items",  # the same case dispatched again?
        "SELECT review_chains",
        "INSERT work_items",  # decided already: no UPDATE follows
        "INSERT outbox",
    ]
    with amr.runtime.db.session() as session:
        work = session.scalars(select(WorkItem).where(WorkItem.case_no == event.subject)).one()
        assert (work.status, work.automated, work.current_step) == ("approved", True, None)
    approved = amr.events(EventTypes.CASE_APPROVED, event.subject)
    assert [e.data["decided_by"] for e in approved] == ["system"]
    assert isinstance(approved[0], Event)
