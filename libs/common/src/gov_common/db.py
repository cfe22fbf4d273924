"""Engines and sessions. Only the unit of work (a request or an event handler) commits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; gives back aware datetimes on SQLite too (which forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the platform stores aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def insert_unless_present(
    session: Session, model: type[DeclarativeBase], values: dict[str, Any], *, key: list[str]
) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING: a row two concurrent requests may both add (the same
    content uploaded twice at once) is stored once, and neither request fails."""
    dialect = session.get_bind().dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(model).values(**values).on_conflict_do_nothing(index_elements=key)
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=key)
    else:
        raise NotImplementedError(f"no INSERT … ON CONFLICT for the {dialect} dialect")
    session.execute(statement)


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10, pool_timeout: float = 5.0) -> Engine:
    """The engine of `url`; on PostgreSQL with a pool of `pool_size` connections kept, `max_overflow`
    more while busy, and `pool_timeout` seconds' wait for one before sqlalchemy.exc.TimeoutError
    (answered 503, gov_common.errors)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout
    )


class Database:
    """One service's database: its engine, its sessions and the after-commit hooks."""

    def __init__(self, url: str, **pool: Any) -> None:
        """`pool`: make_engine's pool settings (pool_size, max_overflow, pool_timeout)."""
        self.url = url
        self.engine = make_engine(url, **pool)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._after_commit: list[Callable[[Session], None]] = []
        self._lock = threading.Lock()
        event.listen(self.sessions, "after_commit", self._run_after_commit)

    def on_commit(self, hook: Callable[[Session], None]) -> None:
        with self._lock:
            self._after_commit.append(hook)

    def _run_after_commit(self, session: Session) -> None:
        for hook in list(self._after_commit):
            hook(session)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back otherwise."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
