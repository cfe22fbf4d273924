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


def add_to(session: Session, table: Table, keys: Mapping[str, Any], delta: Mapping[str, int]) -> None:
    """Add `delta` to the measures of the summary row `keys` (created at zero)."""
    changes = {k: v for k, v in delta.items() if v}
    if not changes:
        return
    statement = dialect_insert(session, table).values(**keys, **changes)
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={k: table.c[k] + excluded[k] for k in changes},
        )
    )


def upsert_many(
    session: Session, table: Table, key: Sequence[str], update: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows` in one multi-row statement, or set the columns `update` of those whose key is there
    already (none: leave them). Each key at most once in `rows`."""
    if not rows:
        return
    columns = list(dict.fromkeys(c for r in rows for c in r))
    statement = dialect_insert(session, table).values([{c: r.get(c) for c in columns} for r in rows])
    if update:
        excluded = statement.excluded
        session.execute(
            statement.on_conflict_do_update(index_elements=list(key), set_={c: excluded[c] for c in update})
        )
    else:
        session.execute(statement.on_conflict_do_nothing(index_elements=list(key)))


def add_many(
    session: Session, table: Table, key: Sequence[str], measures: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Add each row's measures to the summary row of its key (created at zero), in one statement; each
    key at most once in `rows`."""
    if not rows:
        return
    used = [m for m in measures if any(r.get(m) for r in rows)]
    if not used:
        return
    values = [{**{k: r[k] for k in key}, **{m: r.get(m, 0) for m in used}} for r in rows]
    statement = dialect_insert(session, table).values(values)
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(index_elements=list(key), set_={m: table.c[m] + excluded[m] for m in used})
    )
