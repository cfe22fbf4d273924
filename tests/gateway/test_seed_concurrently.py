"""Two worker processes of the gateway start together and both seed the demo staff: each account is added
once and neither start fails (PostgreSQL: the second waits on the first's uncommitted rows, then skips them)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from sqlalchemy import func, select

from gov_common.db import Database
from portal_gateway.accounts.service import seed_demo_staff
from portal_gateway.app import migrate
from portal_gateway.models import Account
from portal_gateway.settings import Settings


def test_two_seeds_at_once_add_each_account_once(new_database: Callable[[str], str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = new_database(f"gw_seed_{uuid.uuid4().hex[:6]}")
    migrate(Settings(environment="test", database_url=url, token_signing_key_path=str(tmp_path / "t.pem")))
    db = Database(url)
    try:
        departments = ["amr", "psb"]
        failures: list[BaseException] = []
        with db.session() as first:
            seed_demo_staff(first, departments=departments, password="demo-pass-1")
            first.flush()  # its rows are written, not committed: a second seed meets them in the unique index

            def second() -> None:
                try:
                    with db.session() as session:
                        seed_demo_staff(session, departments=departments, password="demo-pass-1")
                except BaseException as exc:
                    failures.append(exc)

            other = threading.Thread(target=second)
            other.start()
            other.join(timeout=1.0)
            assert other.is_alive()  # waiting for the first's rows
        other.join(timeout=30)
        assert not other.is_alive() and failures == []
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Account)) == 2 + 4 * len(departments)
    finally:
        db.dispose()
