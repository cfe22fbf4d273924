"""Drops the PostgreSQL databases a test session created, several at a time, in a process of its own.

Run by `new_database` (tests/conftest.py) when a pytest worker ends, detached, so that the worker does not wait
for it: in CI each worker created about 135 databases, and dropping them one after the other at the end of the
session took 92 s beside the UI scenarios (each DROP DATABASE forces a checkpoint). Usage:
`python tests/pg_cleanup.py <admin libpq url> <name>...`; what it cannot drop is left for a later run to see."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import psycopg

PARALLEL = 4


def libpq(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (`postgresql+psycopg://` → `postgresql://`)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def drop_all(admin_url: str, names: list[str], parallel: int = PARALLEL) -> list[str]:
    """Drops every named database (connections to it are ended); returns the names it could not drop."""

    def drop(name: str) -> str | None:
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error:
            return name
        return None

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return [name for name in pool.map(drop, names) if name is not None]


if __name__ == "__main__":
    left = drop_all(sys.argv[1], sys.argv[2:])
    if left:
        print(f"pg_cleanup: could not drop {len(left)} database(s): {', '.join(left)}", file=sys.stderr)
        sys.exit(1)
