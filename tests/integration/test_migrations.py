"""Every service's migrations run up and down on PostgreSQL and on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

import business_systems.app
import data_sharing.app
import portal_gateway.app
import service_management.app
from gov_common.migrations import alembic_config, upgrade

SERVICES = {
    "portal-gateway": (portal_gateway.app.MIGRATIONS, {"accounts"}),
    "service-management": (service_management.app.MIGRATIONS, {"departments", "items", "cases", "case_steps"}),
    "business-systems": (business_systems.app.MIGRATIONS, {"work_items"}),
    "data-sharing": (data_sharing.app.MIGRATIONS, {"licenses"}),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_up_and_down(service: str, backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database(f"mig_{service}")
    script_location, tables = SERVICES[service]
    upgrade(script_location, url)
    engine = create_engine(url)
    assert tables | {"outbox", "inbox", "alembic_version"} <= set(inspect(engine).get_table_names())
    assert "ix_inbox_handled_at" in {index["name"] for index in inspect(engine).get_indexes("inbox")}
    # An event may go on several topics, once on each (gov_common.messaging.emit).
    outbox_unique = [(u["name"], u["column_names"]) for u in inspect(engine).get_unique_constraints("outbox")]
    assert outbox_unique == [("uq_outbox_event_topic", ["event_id", "topic"])]
    assert "ix_outbox_published_at" in {index["name"] for index in inspect(engine).get_indexes("outbox")}
    with engine.begin() as connection:
        row = {"e": "e-1", "k": "k", "p": b"{}", "at": dt.datetime(2026, 12, 7, tzinfo=dt.UTC).isoformat()}
        insert = text("INSERT INTO outbox (event_id, topic, key, payload, created_at) VALUES (:e, :t, :k, :p, :at)")
        connection.execute(insert, [{**row, "t": "gov.case.v1"}, {**row, "t": "gov.case.dept.amr.v1"}])
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(insert, {**row, "t": "gov.case.v1"})
        connection.execute(text("DELETE FROM outbox"))
    command.downgrade(alembic_config(script_location, url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(script_location, url)  # and up again
    engine.dispose()


def test_replicas_migrating_at_once_take_turns(request: pytest.FixtureRequest) -> None:
    import threading

    new_database: Callable[[str], str] = request.getfixturevalue("new_database")
    url = new_database("mig_race")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(service_management.app.MIGRATIONS, url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = create_engine(url)
    assert {"cases", "items"} <= set(inspect(engine).get_table_names())
    engine.dispose()
