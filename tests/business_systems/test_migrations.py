"""The migration to review chains keeps the cases pending from before: they wait at the one step of
the default chain, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from business_systems.app import MIGRATIONS
from gov_common.migrations import upgrade


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pending_cases_from_before_chains_wait_at_the_default_step(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'bs.db'}"
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database("bs_backfill")
    upgrade(MIGRATIONS, url, "0001")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO work_items (case_no, department_code, item_code, item_version, item_name, applicant, form,"
        " status, automated, received_at) VALUES (:no, 'amr', '330122-AMR-XK-0002', 1, '食品经营许可', '{}', '{}',"
        " :status, false, CURRENT_TIMESTAMP)"
    )
    with engine.begin() as connection:
        connection.execute(insert, {"no": "old-pending", "status": "pending"})
        connection.execute(insert, {"no": "old-approved", "status": "approved"})
    upgrade(MIGRATIONS, url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT case_no, chain, current_step, current_step_name, current_step_role FROM work_items ORDER BY id"
            )
        ).all()
    engine.dispose()
    pending, approved = rows
    chain = pending.chain if isinstance(pending.chain, list) else json.loads(pending.chain)
    assert chain == [{"name": "approve", "role": "reviewer"}]
    assert (pending.current_step, pending.current_step_name, pending.current_step_role) == (1, "approve", "reviewer")
    assert approved.current_step is None and approved.current_step_name is None
