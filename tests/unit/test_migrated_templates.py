"""The tests' migrated SQLite templates (tests/migrated.py) give each service the database its migrations build."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from alembic import command

import business_systems.app
import data_sharing.app
import portal_gateway.app
import service_management.app
from gov_common.migrations import alembic_config, upgrade
from tests import migrated

SERVICES = {
    "service-management": service_management.app.MIGRATIONS,
    "data-sharing": data_sharing.app.MIGRATIONS,
    "portal-gateway": portal_gateway.app.MIGRATIONS,
    "business-systems": business_systems.app.MIGRATIONS,
}


def clauses(sql: str) -> list[str]:
    """A statement's clauses in a fixed order: Alembic's batch migrations on SQLite rebuild a table with its
    constraints in an order that varies from run to run."""
    return sorted(line.strip().rstrip(",").strip() for line in sql.replace("(", "(\n").split("\n"))


def described(path: Path) -> tuple[list[tuple[str, str, list[str]]], list[tuple[str]], str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        schema = [
            (kind, name, clauses(sql))
            for kind, name, sql in connection.execute(
                "SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name"
            )
        ]
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    return schema, versions, journal


def test_the_suite_runs_with_templates_installed() -> None:
    assert command.upgrade is migrated._upgrade


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_copied_database_is_the_one_the_migrations_build(service: str, tmp_path: Path) -> None:
    script_location = SERVICES[service]
    built = tmp_path / "built.db"
    migrated._real_upgrade(alembic_config(script_location, f"sqlite:///{built}"), "head")

    first, second = tmp_path / "first.db", tmp_path / "second" / "second.db"
    upgrade(script_location, f"sqlite:///{first}")  # builds the template if no test has yet
    upgrade(script_location, f"sqlite:///{second}")  # a copy

    expected = described(built)
    assert expected[0], "the migrations built no table"
    assert described(first) == expected
    assert described(second) == expected
    # Each copy is a database of its own.
    with contextlib.closing(sqlite3.connect(first)) as connection:
        connection.execute("CREATE TABLE only_in_first (x)")
        connection.commit()
    assert described(second) == expected


def test_a_database_with_tables_is_migrated_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "existing.db"
    with contextlib.closing(sqlite3.connect(target)) as connection:
        connection.execute("CREATE TABLE kept (x)")
        connection.execute("INSERT INTO kept VALUES (1)")
        connection.commit()
    upgrade(SERVICES["portal-gateway"], f"sqlite:///{target}")
    with contextlib.closing(sqlite3.connect(target)) as connection:
        assert connection.execute("SELECT x FROM kept").fetchall() == [(1,)]
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
