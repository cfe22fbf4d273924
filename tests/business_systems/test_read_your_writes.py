"""A step action is committed before its answer is sent: whoever got 200 sees the case moved on,
even when the commit is slow (the work item's next step, not a 409 for a step it already left)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import event

from business_systems.app import create_app
from tests.business_systems.support import ITEM_FOOD, Department, Tokens, build_department
from tests.e2e.platform import free_port


@pytest.fixture
def served(tmp_path: Path, tokens: Tokens) -> Iterator[tuple[Department, str]]:
    for amr in build_department(tmp_path, tokens, code="amr"):
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(runtime=amr.runtime, manage_lifespan=False), port=port, log_config=None)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        try:
            yield amr, f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def test_an_answered_step_action_is_already_committed(served: tuple[Department, str]) -> None:
    amr, url = served
    chain = {"steps": [{"name": "handle", "role": "handler"}, {"name": "approve", "role": "approver"}]}
    assert amr.client.put(
        f"/api/v1/review-chains/{ITEM_FOOD}", headers=amr.as_("department_admin"), json=chain
    ).is_success
    case_no = amr.file(item_code=ITEM_FOOD)

    def slow_commit(session: Any) -> None:
        time.sleep(0.5)

    event.listen(amr.runtime.db.sessions, "before_commit", slow_commit)
    try:
        passed = httpx.post(
            f"{url}/api/v1/work-items/{case_no}/actions",
            headers=amr.as_("handler"),
            json={"step": 1, "action": "pass", "opinion": "拟同意"},
            timeout=10,
        )
        assert passed.status_code == 200, passed.text
        decided = httpx.post(
            f"{url}/api/v1/work-items/{case_no}/actions",
            headers=amr.as_("approver"),
            json={"step": 2, "action": "approve", "opinion": "准予"},
            timeout=10,
        )
        assert decided.status_code == 200, decided.text
    finally:
        event.remove(amr.runtime.db.sessions, "before_commit", slow_commit)
