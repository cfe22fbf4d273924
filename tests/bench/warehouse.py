"""The cockpit's queries over a generated county year on PostgreSQL (docs/warehouse.md): each timed
(the best of a few runs, and the slowest) against the 500 ms budget. `make bench-warehouse`.

    python -m tests.bench.warehouse [--cases 1000000] [--year 2025] [--database-url URL [--generate]] [--keep]

Without --database-url, a database of its own on GOV_TEST_PG_URL's server is created, migrated,
filled by the generator, measured and dropped (unless --keep). Exits 1 when a query is over budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from data_sharing.app import migrate
from data_sharing.settings import Settings
from data_sharing.warehouse import queries as q
from data_sharing.warehouse.generator import COUNTY, generate
from gov_common.db import Database

BUDGET_MS = 500.0


def _queries(year: int) -> list[tuple[str, Callable[[Any], object]]]:
    whole = q.Filters(date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
    quarter = q.Filters(date_from=dt.date(year, 4, 1), date_to=dt.date(year, 6, 30))
    county = q.Filters(date_from=whole.date_from, date_to=whole.date_to, division_code=COUNTY)
    amr = f"{COUNTY}-AMR-XK-0001"
    return [
        ("overview, year", lambda s: q.overview(s, whole)),
        ("volumes by month, year", lambda s: q.volumes(s, whole, period="month")),
        ("volumes by day, year", lambda s: q.volumes(s, whole, period="day")),
        ("volumes by month, one item online", lambda s: q.volumes(s, q.Filters(item_code=amr, channel="online"))),
        ("funnel, year", lambda s: q.funnel(s, whole)),
        ("funnel, one department", lambda s: q.funnel(s, q.Filters(department_code="amr"))),
        ("longest waits per department, year", lambda s: q.longest_waits(s, whole)),
        ("supplement materials, year", lambda s: q.supplement_materials(s, whole)),
        ("instant share by item, year", lambda s: q.instant_share(s, whole)),
        ("on-time rate by department, year", lambda s: q.on_time_rate(s, whole)),
        ("on-time rate by item, a quarter", lambda s: q.on_time_rate(s, quarter, by="item")),
        ("satisfaction by item, year", lambda s: q.satisfaction(s, whole, by="item")),
        ("satisfaction by channel, year", lambda s: q.satisfaction(s, whole, by="channel")),
        ("by division: counties, year", lambda s: q.by_division(s, whole)),
        ("by division: city 3301 → counties", lambda s: q.by_division(s, q.Filters(division_code="330100"))),
        ("drill-down: county → departments", lambda s: q.by_division(s, county)),
        (
            "drill-down: county → department → items",
            lambda s: q.by_division(s, q.Filters(division_code=COUNTY, department_code="amr")),
        ),
        ("suppressed drill-down (county → items)", lambda s: q.suppress(q.by_division(s, county))),
    ]


def measure(db: Database, year: int, runs: int = 5) -> list[tuple[str, float, float]]:
    figures = []
    for name, query in _queries(year):
        times = []
        for _ in range(runs):
            with db.session() as session:
                started = time.perf_counter()
                query(session)
                times.append((time.perf_counter() - started) * 1000)
        figures.append((name, min(times), max(times)))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.warehouse")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--database-url", help="an already generated warehouse (nothing is generated)")
    parser.add_argument(
        "--generate", action="store_true", help="with --database-url: migrate it and generate the year into it"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database it created")
    args = parser.parse_args(argv)
    created = None
    url = args.database_url
    admin = os.environ.get("GOV_TEST_PG_URL") or ""
    if url is None:
        if not admin:
            print("set GOV_TEST_PG_URL (make bench-warehouse does) or pass --database-url", file=sys.stderr)
            return 2
        created = f"wh_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{created}"')
        url = admin.rsplit("/", 1)[0] + "/" + created
        url = url.replace("postgresql://", "postgresql+psycopg://")
    db = Database(url)
    try:
        if created or args.generate:
            migrate(Settings(database_url=url))
            made = generate(db, cases=args.cases, year=args.year)
            print(
                f"generated {made.cases:,} cases ({made.steps:,} steps, {made.supplements:,} supplement materials) "
                f"in {made.seconds:.0f} s"
            )
        figures = measure(db, args.year)
    finally:
        db.engine.dispose()
        if created and not args.keep:
            with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
    width = max(len(name) for name, _, _ in figures)
    print(f"{'query':<{width}}  best ms  worst ms  (budget {BUDGET_MS:.0f} ms)")
    over = 0
    for name, best, worst in figures:
        flag = "" if best <= BUDGET_MS else "  OVER BUDGET"
        over += bool(flag)
        print(f"{name:<{width}}  {best:7.1f}  {worst:8.1f}{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
