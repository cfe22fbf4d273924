"""What the warehouse's upkeep costs its consumer (docs/warehouse.md, "Upkeep cost"): the events of
instant cases (8 each, per-case order kept, interleaved), handled in poll batches of 64 events as the
consumer does, either in one call per batch (`record_batch`, the warehouse's BatchHandler) or one
savepoint per event (`record`, the fallback). Prints the CPU of this process and the statements per case.

    GOV_TEST_PG_URL=... python -m tests.bench.warehouse_upkeep [batch|events] [--cases 200]

A database of its own is created on GOV_TEST_PG_URL's server, migrated, measured and dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from typing import Any

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_sharing.app import migrate
from data_sharing.settings import Settings
from data_sharing.warehouse import handlers
from gov_common.db import Database
from gov_common.events import Event
from tests.data_sharing.test_warehouse import PSEUDONYMS
from tests.data_sharing.test_warehouse_batches import instant_case


def _interleaved(cases: list[list[Event]], seed: int = 5) -> list[Event]:
    chance, queues, out = random.Random(seed), [list(c) for c in cases], []
    while any(queues):
        out.append(chance.choice([q for q in queues if q]).pop(0))
    return out


def _run(db: Database, events: list[Event], mode: str) -> None:
    for at in range(0, len(events), 64):
        chunk = events[at : at + 64]
        with db.session() as session:
            if mode == "batch":
                with session.begin_nested():
                    handlers.record_batch(session, chunk, PSEUDONYMS)
            else:
                for event in chunk:
                    with session.begin_nested():
                        handlers.record(session, event, PSEUDONYMS)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.warehouse_upkeep")
    parser.add_argument("mode", choices=["batch", "events"], nargs="?", default="batch")
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    server = os.environ.get("GOV_TEST_PG_URL") or ""
    if not server:
        print("set GOV_TEST_PG_URL", file=sys.stderr)
        return 2
    name = f"wh_upkeep_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        migrate(Settings(database_url=url))
        db = Database(url)
        _run(db, _interleaved([instant_case(n, "2025-03-03") for n in range(20)]), args.mode)  # warm-up
        half = args.cases // 2
        events = _interleaved([instant_case(n, d) for d in ("2025-03-04", "2025-03-05") for n in range(half)])
        statements: list[Any] = []

        def count(*_: Any) -> None:
            statements.append(1)

        sqlalchemy.event.listen(db.engine, "before_cursor_execute", count)
        cpu = time.process_time()
        _run(db, events, args.mode)
        cpu = time.process_time() - cpu
        sqlalchemy.event.remove(db.engine, "before_cursor_execute", count)
        cases = 2 * half
        print(
            f"{args.mode}: {len(events)} events of {cases} cases: {cpu / cases * 1000:.2f} ms CPU per case, "
            f"{len(statements) / cases:.1f} statements per case (SAVEPOINT and RELEASE included)"
        )
        db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
