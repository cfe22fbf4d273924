"""Engines and sessions. Only the unit of work (a request or an event handler) commits."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from gov_common import tracing

log = logging.getLogger("gov_common.db")


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


def dialect_insert(session: Session, target: Any) -> Any:
    """The INSERT of the session's database that knows ON CONFLICT (PostgreSQL or SQLite, the two the
    platform runs on) for a model or a table."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(target)
    if dialect == "sqlite":
        return sqlite.insert(target)
    raise NotImplementedError(f"no INSERT … ON CONFLICT for the {dialect} dialect")


def insert_unless_present(
    session: Session, model: type[DeclarativeBase], values: dict[str, Any], *, key: list[str]
) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING: a row two concurrent requests may both add (the same
    content uploaded twice at once) is stored once, and neither request fails."""
    session.execute(dialect_insert(session, model).values(**values).on_conflict_do_nothing(index_elements=key))


# SQLite (the standalone platform): one writer at a time per database file. The writers of this
# process queue for the file's lock in Python (`_WriterLock`), woken the moment it is free, instead of
# polling in SQLite's busy handler (sleeps of up to 100 ms, unfair: a waiter could starve for the whole
# busy timeout). A writer that does not get the lock within its wait fails with "database is locked",
# which the standalone platform answers with 503 and Retry-After. The busy timeout remains for writers
# of other processes (a migration, a maintenance shell).
SQLITE_BUSY_TIMEOUT_SECONDS = 5.0
# How long a writer waits for the file's lock: long for event handlers and relays (they retry anyway),
# shorter where a caller waits (the standalone platform sets it per request: `sqlite_writer_wait`).
SQLITE_WRITER_WAIT: ContextVar[float] = ContextVar("sqlite_writer_wait", default=30.0)
# A writer held longer than this is logged with its holder: slow work (a network call, a long
# computation) inside a write transaction makes every other writer of the file wait.
SQLITE_WRITER_SLOW_SECONDS = 1.0
# Connections per SQLite file (reads run in parallel in WAL mode) and how long a request waits for one.
SQLITE_POOL_SIZE = 20
SQLITE_POOL_OVERFLOW = 50
SQLITE_POOL_TIMEOUT_SECONDS = 5.0
# Statements that take no write lock; every other one (INSERT, UPDATE, DELETE, DDL, WITH …) is a write.
_READ_ONLY = ("SELECT", "PRAGMA", "EXPLAIN", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "END")


def _is_write(sql: str) -> bool:
    words = sql.split(None, 2)
    verb = words[0].upper() if words else ""
    if verb == "BEGIN":  # BEGIN IMMEDIATE / EXCLUSIVE take the writer at once; BEGIN [DEFERRED] does not
        return len(words) > 1 and words[1].upper() in ("IMMEDIATE", "EXCLUSIVE")
    return bool(verb) and verb not in _READ_ONLY


@contextmanager
def sqlite_writer_wait(seconds: float) -> Iterator[None]:
    """Within the block, a SQLite writer waits at most `seconds` for its file's lock."""
    token = SQLITE_WRITER_WAIT.set(seconds)
    try:
        yield
    finally:
        SQLITE_WRITER_WAIT.reset(token)


class _WriterLock:
    """The write lock of one SQLite file, for the connections of this process; with its figures."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self.holder = ""
        self.first_write = ""  # the statement that began the holder's write transaction
        self.held_since = 0.0
        self.acquired = 0  # write transactions begun
        self.waited = 0  # of which found the lock taken
        self.timeouts = 0  # of which gave up waiting
        self.wait_seconds = 0.0  # total time spent waiting
        self.longest_hold_seconds = 0.0

    def acquire(self, timeout: float, statement: str = "") -> None:
        start = time.monotonic()
        if not self._lock.acquire(blocking=False):
            self.waited += 1
            if not self._lock.acquire(timeout=max(timeout, 0.0)):
                self.timeouts += 1
                self.wait_seconds += time.monotonic() - start
                held = time.monotonic() - self.held_since
                raise sqlite3.OperationalError(
                    f"database is locked: {self.name} has been written by {self.holder} for {held:.1f} s"
                    f" (from {self.first_write!r})"
                )
            self.wait_seconds += time.monotonic() - start
        self.acquired += 1
        self.holder = threading.current_thread().name
        self.first_write = statement[:60]
        self.held_since = time.monotonic()

    def release(self) -> None:
        held = time.monotonic() - self.held_since
        self.longest_hold_seconds = max(self.longest_hold_seconds, held)
        if held > SQLITE_WRITER_SLOW_SECONDS:
            log.warning(
                "the writer of %s was held %.1f s by %s (from %r)", self.name, held, self.holder, self.first_write
            )
        self._lock.release()

    def figures(self) -> dict[str, float]:
        return {
            "acquired": self.acquired,
            "waited": self.waited,
            "timeouts": self.timeouts,
            "wait_seconds": round(self.wait_seconds, 3),
            "longest_hold_seconds": round(self.longest_hold_seconds, 3),
        }


_writer_locks: dict[str, _WriterLock] = {}
_writer_locks_guard = threading.Lock()


def sqlite_writer_lock(path: str) -> _WriterLock:
    """The one write lock of the SQLite file at `path` in this process (shared by all its engines)."""
    key = os.path.realpath(path)
    with _writer_locks_guard:
        lock = _writer_locks.get(key)
        if lock is None:
            lock = _writer_locks[key] = _WriterLock(Path(path).name)
        return lock


class _WriterCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _WriterCursor:
        connection: _WriterConnection = self.connection  # type: ignore[assignment]
        connection._before_statement(sql)
        try:
            super().execute(sql, parameters)
        finally:
            connection._after_statement()
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _WriterCursor:
        connection: _WriterConnection = self.connection  # type: ignore[assignment]
        connection._before_statement(sql)
        try:
            super().executemany(sql, seq_of_parameters)
        finally:
            connection._after_statement()
        return self


class _WriterConnection(sqlite3.Connection):
    """A connection that takes its file's in-process write lock before its first write statement and
    gives it back when the transaction ends (commit, rollback, close)."""

    writer_lock: _WriterLock | None = None
    _holds = False

    def cursor(self, factory: Any = _WriterCursor) -> Any:
        return super().cursor(factory)

    def _before_statement(self, sql: str) -> None:
        if self._holds or self.writer_lock is None:
            return
        if not _is_write(sql):
            return
        self.writer_lock.acquire(SQLITE_WRITER_WAIT.get(), sql)
        self._holds = True

    def _after_statement(self) -> None:
        if self._holds and not self.in_transaction:  # autocommit, or the statement ended the transaction
            self._give_back()

    def _give_back(self) -> None:
        if self._holds and self.writer_lock is not None:
            self._holds = False
            self.writer_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


SQLITE_SYNCHRONOUS_ENV = "GOV_SQLITE_SYNCHRONOUS"


def sqlite_synchronous() -> str:
    """SQLite's `synchronous` for every file of this process (`GOV_SQLITE_SYNCHRONOUS`): FULL (the default)
    waits for the disk at every commit; NORMAL, in WAL mode, only at checkpoints — a crash of the process
    loses nothing, a power cut may lose the last commits but never corrupts the file."""
    value = os.environ.get(SQLITE_SYNCHRONOUS_ENV, "FULL").strip().upper()
    if value not in ("FULL", "NORMAL"):
        raise ValueError(f"{SQLITE_SYNCHRONOUS_ENV} must be FULL or NORMAL, not {value!r}")
    return value


def _make_sqlite_engine(url: str) -> Engine:
    path = _sqlite_path(url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {
        "check_same_thread": False,
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        "factory": _WriterConnection,
    }
    options: dict[str, Any] = {}
    if path is not None:
        options = {
            "pool_size": SQLITE_POOL_SIZE,
            "max_overflow": SQLITE_POOL_OVERFLOW,
            "pool_timeout": SQLITE_POOL_TIMEOUT_SECONDS,
        }
    engine = create_engine(url, connect_args=connect_args, **options)
    writer_lock = sqlite_writer_lock(path) if path is not None else _WriterLock(":memory:")

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.writer_lock = writer_lock
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={sqlite_synchronous()}")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.close()

    return engine


def _sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL, or None (not SQLite, or in memory)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    return path if path and path != ":memory:" and not path.startswith("file:") else None


# Seconds a new PostgreSQL connection may take before it fails (libpq's connect_timeout; at least 2):
# a database that is down or unreachable is answered 503 at once, not after the kernel's minutes of
# SYN retries. The URL may set its own (`?connect_timeout=10`).
DB_CONNECT_TIMEOUT_SECONDS = 3

# A pooled PostgreSQL connection idle for longer than this is checked (`SELECT 1`) before it is handed
# out; one given back more recently is not. SQLAlchemy's `pool_pre_ping` checks every checkout, one
# round trip more per unit of work, although under load a connection comes back to the pool a few
# milliseconds before its next use. A connection lost meanwhile (the server restarted within this
# second) fails its first statement: SQLAlchemy then drops every older connection of the pool, and the
# unit of work is answered 503 or retried as any database outage is (gov_common.transient).
DB_PING_IDLE_SECONDS = 1.0
_CHECKED_IN_AT = "gov_checked_in_at"
# Set in a connection's `info` by a component that changes its session for itself (the outbox relay's
# `synchronous_commit = off`): should that connection come back to the pool (its owner dropped without
# closing it), it is never handed out again but replaced by a new one.
PRIVATE_SESSION = "gov_private_session"


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10, pool_timeout: float = 5.0) -> Engine:
    """The engine of `url`; on PostgreSQL with a pool of `pool_size` connections kept, `max_overflow`
    more while busy, and `pool_timeout` seconds' wait for one before sqlalchemy.exc.TimeoutError
    (answered 503, gov_common.errors); a connection idle for more than DB_PING_IDLE_SECONDS is checked
    before use (`_ping_if_idle`) and a new one takes at most DB_CONNECT_TIMEOUT_SECONDS to open. SQLite
    has its own pool (above)."""
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        connect_args=_connect_args(url),
    )
    _ping_if_idle(engine)
    return engine


def _ping_if_idle(engine: Engine) -> None:
    """SQLAlchemy's pre-ping, only for connections idle for more than DB_PING_IDLE_SECONDS: a failed
    ping drops every pooled connection as old as this one, and the pool opens a new one."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get(PRIVATE_SESSION):
            raise DisconnectionError("a connection with session settings of its own came back to the pool")
        checked_in = record.info.get(_CHECKED_IN_AT)
        if checked_in is None or time.monotonic() - checked_in <= DB_PING_IDLE_SECONDS:
            return  # a new connection, or one in use a moment ago
        record.info.pop(_CHECKED_IN_AT, None)
        try:
            alive = dialect._do_ping_w_event(dbapi_connection)
        except Exception:
            alive = False
        if not alive:
            raise InvalidatePoolError("pooled connection found closed")


def _connect_args(url: str) -> dict[str, Any]:
    if "connect_timeout" in make_url(url).query:
        return {}
    return {"connect_timeout": DB_CONNECT_TIMEOUT_SECONDS}


# What a database error means for the caller (`database_failure`): the database could not be reached
# or lost the connection (UNAVAILABLE), the SQLite file's writer stayed taken (BUSY), or the
# transaction lost to a concurrent one (deadlock, serialization failure: CONFLICT). Each time nothing
# of the unit of work was kept, and it may be sent again; any other database error is a fault (500).
UNAVAILABLE, BUSY, CONFLICT = "unavailable", "busy", "conflict"
_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error", "database or disk is full")


def database_failure(exc: BaseException) -> str | None:
    """UNAVAILABLE, BUSY or CONFLICT for a failure of the database rather than of the statement
    (a DBAPI error, wrapped by SQLAlchemy or not); None for anything else."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return UNAVAILABLE
    if isinstance(original, sqlite3.OperationalError):
        message = str(original).lower()
        if "locked" in message or "busy" in message:
            return BUSY
        return UNAVAILABLE if message.startswith(_SQLITE_UNAVAILABLE) else None
    if not isinstance(original, psycopg.Error):
        return None
    if (original.sqlstate or "").startswith("40"):  # serialization failure, deadlock: transaction rollback
        return CONFLICT
    # Connection refused or timed out, the database not accepting connections (its sqlstate None),
    # the server shut down or the connection terminated (57P0x), too many connections (53300), or a
    # connection found closed.
    if isinstance(original, psycopg.OperationalError | psycopg.InterfaceError):
        return UNAVAILABLE
    return None


class CommitUnconfirmed(Exception):
    """The connection was lost while the unit of work was being committed: the database applied all
    of it or none of it (a transaction), and which one is not known. Never reported as success, and
    not to be sent again blindly: the caller looks first."""


class Database:
    """One service's database: its engine, its sessions and the after-commit hooks."""

    def __init__(self, url: str, **pool: Any) -> None:
        """`pool`: make_engine's pool settings (pool_size, max_overflow, pool_timeout)."""
        self.url = url
        self.engine = make_engine(url, **pool)
        tracing.instrument_engine(self.engine)  # a span per statement, when spans are exported
        self._probe: Engine | None = None  # PostgreSQL: readiness's own connections (`ping`)
        sqlite_path = _sqlite_path(url)
        # SQLite: the file's in-process write lock and its figures (waits, longest hold).
        self.writer_lock = sqlite_writer_lock(sqlite_path) if sqlite_path is not None else None
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
            # Everything but COMMIT first: a failure up to here certainly kept nothing.
            session.flush()
            try:
                session.commit()
            except DBAPIError as exc:
                if database_failure(exc) == UNAVAILABLE:
                    raise CommitUnconfirmed(f"the connection was lost during COMMIT: {exc.orig}") from exc
                raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """Whether the database answers (readiness): on PostgreSQL on a connection of its own, opened
        within the connect timeout, so that a pool busy with requests (overload, answered 503 by
        itself) does not make the process look unreachable."""
        try:
            with self._probe_engine().connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def _probe_engine(self) -> Engine:
        if self.engine.dialect.name == "sqlite":
            return self.engine
        if self._probe is None:
            self._probe = create_engine(self.url, poolclass=NullPool, connect_args=_connect_args(self.url))
        return self._probe

    def dispose(self) -> None:
        self.engine.dispose()
        if self._probe is not None:
            self._probe.dispose()
