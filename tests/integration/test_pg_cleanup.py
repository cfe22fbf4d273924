"""tests/pg_cleanup.py, which drops a session's databases when a pytest worker ends, against the real server:
every named database is dropped, one still in use included; one it cannot drop is reported, not hidden."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from tests.pg_cleanup import drop_all, libpq

SCRIPT = Path(__file__).resolve().parent.parent / "pg_cleanup.py"


def _exists(admin: str, names: list[str]) -> set[str]:
    with psycopg.connect(admin) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (names,)).fetchall()
    return {r[0] for r in rows}


def test_every_database_is_dropped_even_one_in_use(pg_admin_url: str) -> None:
    admin = libpq(pg_admin_url)
    names = [f"t_cleanup_{uuid.uuid4().hex[:8]}_{n}" for n in range(6)]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    in_use = psycopg.connect(admin.rsplit("/", 1)[0] + "/" + names[0])  # a connection left open by a test
    try:
        assert drop_all(admin, [*names, f"t_cleanup_{uuid.uuid4().hex[:8]}_gone"]) == []
        assert _exists(admin, names) == set()
    finally:
        in_use.close()


def test_the_script_reports_what_it_could_not_drop(pg_admin_url: str) -> None:
    admin = libpq(pg_admin_url)
    name = f"t_cleanup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    done = subprocess.run(
        [sys.executable, str(SCRIPT), admin, name, "template0"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert "could not drop 1 database(s): template0" in done.stderr
    assert _exists(admin, [name, "template0"]) == {"template0"}
