"""INSERT … ON CONFLICT for PostgreSQL and SQLite, the two databases the platform runs on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from gov_common.db import dialect_insert


def insert_ignore(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, key: list[str]) -> None:
    if rows:
        session.execute(dialect_insert(session, table).on_conflict_do_nothing(index_elements=key), list(rows))


def upsert(
    session: Session, table: Table, values: Mapping[str, Any], *, key: list[str], update: Mapping[str, Any]
) -> None:
    """Insert `values`, or set `update` on the row with the same key."""
    statement = dialect_insert(session, table).values(**values)
    if update:
        session.execute(statement.on_conflict_do_update(index_elements=key, set_=dict(update)))
    else:
        session.execute(statement.on_conflict_do_nothing(index_elements=key))


# The statements of upsert_many and add_many, built once per dialect, table and columns: building
# `excluded` proxies every column of the table, which cost more than the execution itself.
_BUILT: dict[tuple[Any, ...], Any] = {}


def _built(session: Session, table: Table, key: Sequence[str], set_: Sequence[str], add: bool) -> Any:
    name = session.get_bind().dialect.name
    cache_key = (name, table.name, tuple(key), tuple(set_), add)
    statement = _BUILT.get(cache_key)
    if statement is None:
        statement = dialect_insert(session, table)
        excluded = statement.excluded
        if not set_:
            statement = statement.on_conflict_do_nothing(index_elements=list(key))
        elif add:
            values = {m: table.c[m] + excluded[m] for m in set_}
            statement = statement.on_conflict_do_update(index_elements=list(key), set_=values)
        else:
            statement = statement.on_conflict_do_update(index_elements=list(key), set_={c: excluded[c] for c in set_})
        _BUILT[cache_key] = statement
    return statement


def upsert_many(
    session: Session, table: Table, key: Sequence[str], update: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows` with one statement executed for them all (executemany: one round trip, and one
    compiled statement that SQLAlchemy caches, which a multi-row VALUES is not), or set the columns
    `update` of those whose key is there already (none: leave them)."""
    if not rows:
        return
    columns = list(dict.fromkeys(c for r in rows for c in r))
    statement = _built(session, table, key, update, add=False)
    session.execute(statement, [{c: r.get(c) for c in columns} for r in rows])


def add_many(
    session: Session, table: Table, key: Sequence[str], measures: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Add each row's measures to the summary row of its key (created at zero), with one statement
    executed for them all (as `upsert_many`; every measure, 0 where a row has none, so that one
    statement per table serves)."""
    if not rows:
        return
    statement = _built(session, table, key, measures, add=True)
    session.execute(statement, [{**{k: r[k] for k in key}, **{m: r.get(m, 0) for m in measures}} for r in rows])
