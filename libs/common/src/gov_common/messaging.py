"""Transactional outbox and idempotent inbox, and the threads that drive them (docs/messaging.md).

Producer side: `emit()` writes the event in the caller's transaction; when that transaction
commits, the relay is woken at once. The relay reads a batch of unpublished events in id order
(a short transaction), sends them all and flushes once (no transaction open), then marks them
published (a second short transaction). A crash in between publishes them again: at least once,
the inboxes drop the copies. On PostgreSQL one relay of a service publishes at a time (an advisory
lock), so two replicas never interleave their batches; it also polls, as a fallback for events
committed by another process or left behind by a crash.

Consumer side: one poll batch is handled in one transaction with the inbox rows of its events; if
an event fails, the batch runs again with each event in a savepoint, so that the failing one is
rolled back alone; the offsets of the batch are committed once, after that transaction. An event
that fails is retried on its own, before anything after it in its partition is handled (a case's
events stay in order): a failure of infrastructure (`gov_common.transient`) without limit, with
capped backoff, and never dead-lettered; a failure of the handler itself a bounded number of times,
then it is dead-lettered. A handler that needs a
network look-up declares a prepare stage (`PreparedHandler`), run before the batch's transaction opens.
The data of each event to be handled is parsed once, with the model of its type
(gov_common.contracts.events), before any handler runs: an event that does not fit is refused, dead-lettered
at once with the fields named and never retried; the handler gets the parsed model (`TypedEvent`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial, wraps
from typing import Any, Concatenate, Generic, ParamSpec, TypeAlias, TypeVar

from pydantic import ValidationError
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common import tracing
from gov_common.bus.base import Bus, BusConsumer, Message, Outgoing, Reassigned
from gov_common.contracts.events import EVENT_MODELS, EventData, TypedEvent, refused
from gov_common.db import PRIVATE_SESSION, Database, UTCDateTime, dialect_insert, utcnow
from gov_common.events import CONTENT_TYPE, Event, EventFormatError, Topics
from gov_common.metrics import (
    CONSUMER_BATCH_SIZE,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_PUBLISHED,
    RELAY_BATCH_SIZE,
)
from gov_common.transient import is_transient

log = logging.getLogger("gov_common.messaging")

messaging_metadata = MetaData()

outbox = Table(
    "outbox",
    messaging_metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True, index=True),
    # One event may go on several topics (`emit`), once on each (gov_common.migrations.outbox_event_per_topic).
    UniqueConstraint("event_id", "topic", name="uq_outbox_event_topic"),
)

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("handled_at", UTCDateTime, nullable=False),
    Index("ix_inbox_handled_at", "handled_at"),  # the purge of old rows (purge_inbox)
)

_PENDING = "gov_outbox_pending"
_GATHERED = "gov_outbox_gathered"  # the rows `emit` holds back within `gathered`
GATHERED_ROWS = 32

TYPE_HEADER = "ce_type"
"""The message header that carries the event's CloudEvents type (as in the CloudEvents Kafka binding),
so that a consumer skips the types it has no handler for without decoding them."""

RELAY_LOCK_KEY = 0x676F765F72656C79  # "gov_rely": the advisory lock of the outbox relay, per database

# A consumer waiting out a backoff polls its group (fetching nothing) at least this often, so that it
# stays a member, takes part in rebalances and notices a stop promptly.
KEEP_ALIVE_SECONDS = 0.5

# The offsets of a poll batch whose events were all skipped (no handler in the group, or not the
# member's: no database work) are committed with the next batch that needs a commit, or after this
# long, rather than one offset commit per such batch: at a low rate most batches are one event of a
# type the group does not handle. A crash meanwhile only delivers those skipped events again.
SKIPPED_COMMIT_SECONDS = 1.0

# The running relay keeps its turn while commits wake it at least this often (`OutboxRelay.hold_seconds`),
# for at most RELAY_HOLD_MAX_SECONDS at a time: another relay of the service then gets a turn, and the
# purge of old rows its chance.
RELAY_HOLD_SECONDS = 0.05
RELAY_HOLD_MAX_SECONDS = 1.0

# At most this many events (each in a savepoint) in one transaction of a consumer's guarded pass, after a
# batch failed in one go (`EventConsumer._apply_guarded`): PostgreSQL caches 64 subtransactions of a
# transaction per backend; a gathering group's batch of hundreds would overflow that cache.
GUARDED_SAVEPOINTS = 50


def backoff_delay(failures: int, *, base: float, cap: float) -> float:
    """`base · 2^(failures-1)`, at most `cap`: the wait after the `failures`-th failure in a row."""
    return float(min(cap, base * 2.0 ** min(max(failures - 1, 0), 32)))


def _last_line(failure: str) -> str:
    lines = failure.strip().splitlines()
    return lines[-1] if lines else ""


# Built once and executed with each row's values as parameters: a statement built per call with
# `.values(...)` costs its construction and a cache key each time (0.22 → 0.12 ms of CPU per insert,
# measured on PostgreSQL), on the hot path of every event emitted and handled.
_INSERT_OUTBOX = insert(outbox)
_INSERT_INBOX = insert(inbox)
# Which of a batch's events a consumer group handled before (EventConsumer._seen), built once.
_SEEN_IN_INBOX = select(inbox.c.event_id).where(
    inbox.c.consumer == bindparam("consumer"), inbox.c.event_id.in_(bindparam("ids", expanding=True))
)
# The relay's statements, built once (building and compiling them each batch was about a third of a
# relay's CPU for batches of one event): its turn, its read, its mark.
_RELAY_LOCK = select(func.pg_try_advisory_lock(RELAY_LOCK_KEY))
_RELAY_UNLOCK = select(func.pg_advisory_unlock(RELAY_LOCK_KEY))
_READ_OUTBOX = (
    select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload)
    .where(outbox.c.published_at.is_(None))
    .order_by(outbox.c.id)
    .limit(bindparam("batch"))
)
_MARK_PUBLISHED = (
    update(outbox).where(outbox.c.id.in_(bindparam("ids", expanding=True))).values(published_at=bindparam("at"))
)
# By dialect: the inbox rows of a batch, skipping those already there (EventConsumer._claim).
_CLAIM_INBOX: dict[str, Any] = {}


def emit(session: Session, topic: str | Sequence[str], event: Event) -> None:
    """Record `event` for publication on `topic`, in the caller's transaction. Several topics: the same
    event (one id, encoded once) on each, in the order given, one row per topic written by one statement.
    Within `gathered(session)` the rows are written at its end, with the other events emitted in it."""
    payload, now = event.encode(), utcnow()
    rows = [
        {"event_id": event.id, "topic": name, "key": event.subject, "payload": payload, "created_at": now}
        for name in ([topic] if isinstance(topic, str) else topic)
    ]
    waiting: list[dict[str, Any]] | None = session.info.get(_GATHERED)
    if waiting is not None:
        if session.in_nested_transaction():  # its rollback alone would not take the held-back rows with it
            raise RuntimeError("emit within a savepoint inside gathered(): emit before or after the savepoint")
        waiting.extend(rows)
        return
    session.execute(_INSERT_OUTBOX, rows[0] if len(rows) == 1 else rows)
    session.info[_PENDING] = True


@contextmanager
def gathered(session: Session) -> Iterator[None]:
    """The events `emit`ted in `session` within this block are written to the outbox at its end, in the order
    emitted, by one multi-row INSERT (GATHERED_ROWS rows a statement) instead of a statement per event: for a
    unit of work that emits several (a filing: submitted, the credit read, accepted, dispatched on two topics).
    Nothing in the block may read the outbox back, nor end the transaction, nor emit within a savepoint (that
    raises: the savepoint's rollback would not take the held-back rows with it). When the block raises, its
    events are dropped: the caller rolls back its transaction. Nested, the outermost block writes."""
    if _GATHERED in session.info:
        yield
        return
    waiting: list[dict[str, Any]] = []
    session.info[_GATHERED] = waiting
    try:
        yield
    finally:
        session.info.pop(_GATHERED, None)
    for start in range(0, len(waiting), GATHERED_ROWS):
        part = waiting[start : start + GATHERED_ROWS]
        if len(part) == 1:
            session.execute(_INSERT_OUTBOX, part[0])
        else:
            session.execute(
                _insert_outbox_rows(len(part)), {f"{k}_{i}": v for i, row in enumerate(part) for k, v in row.items()}
            )
    if waiting:
        session.info[_PENDING] = True


def gathering(function: Callable[Concatenate[Session, _Args], _R]) -> Callable[Concatenate[Session, _Args], _R]:
    """`function(session, ...)` with the events it emits `gathered` (a unit of work's function, as a decorator)."""

    @wraps(function)
    def gathered_function(session: Session, /, *args: _Args.args, **kwargs: _Args.kwargs) -> _R:
        with gathered(session):
            return function(session, *args, **kwargs)

    return gathered_function


@cache  # at most GATHERED_ROWS statements
def _insert_outbox_rows(count: int) -> Any:
    """The multi-row INSERT of `count` outbox rows (parameters `<column>_<row>`), built once per count."""
    columns = ("event_id", "topic", "key", "payload", "created_at")
    return insert(outbox).values([{c: bindparam(f"{c}_{i}") for c in columns} for i in range(count)])


def _headline(topic: str, payload: bytes) -> tracing.Sent:
    """What the relay reads of a CloudEvents JSON envelope (one `json.loads`): its `type` (None when it has
    none: the header is then left out), its id and the trace context it carries."""
    try:
        envelope = json.loads(payload)
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict):
        return tracing.Sent(topic, None, None, None, None)

    def text(name: str) -> str | None:
        value = envelope.get(name)
        return value if isinstance(value, str) else None

    return tracing.Sent(topic, text("type"), text("id"), text(tracing.TRACEPARENT), text(tracing.TRACESTATE))


def _delete_in_chunks(db: Database, statement: Any, *, chunk: int, stop: Callable[[], bool]) -> int:
    """Runs `statement` (a DELETE of at most `chunk` rows) one transaction at a time until it deletes fewer
    than `chunk` (never a long lock on a table the services write to) or `stop()`; returns how many."""
    deleted = 0
    while not stop():
        with db.session() as session:
            count = session.execute(statement).rowcount or 0  # type: ignore[attr-defined]
        deleted += count
        if count < chunk:
            break
    return deleted


def purge_inbox(
    db: Database, *, older_than_seconds: float, chunk: int = 5000, stop: Callable[[], bool] = lambda: False
) -> int:
    """Deletes the inbox rows of events handled more than `older_than_seconds` ago, `chunk` rows per
    transaction; returns how many. An inbox row guards against the same event coming again: choose the
    age beyond every consumed topic's retention (and the consumer groups' offset retention), so that no
    event whose row goes can still be delivered."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    oldest = select(inbox.c.consumer, inbox.c.event_id).where(inbox.c.handled_at < cutoff).limit(chunk)
    key = tuple_(inbox.c.consumer, inbox.c.event_id)
    deleted = _delete_in_chunks(db, delete(inbox).where(key.in_(oldest)), chunk=chunk, stop=stop)
    if deleted:
        log.info("inbox: %d rows of events handled more than %.0f s ago deleted", deleted, older_than_seconds)
    return deleted


class OutboxRelay:
    def __init__(
        self,
        *,
        db: Database,
        bus: Bus,
        service: str,
        poll_seconds: float = 2.0,
        batch: int = 500,
        contended_retry_seconds: float = 0.02,
        retry_backoff_seconds: float = 0.2,
        retry_backoff_cap_seconds: float = 15.0,
        retention_seconds: float | None = 7 * 86400.0,
        purge_every_seconds: float = 600.0,
        inbox_retention_seconds: float | None = None,
        hold_seconds: float = RELAY_HOLD_SECONDS,
    ) -> None:
        self.db = db
        self.bus = bus
        self.service = service
        self.poll_seconds = poll_seconds
        # While commits keep waking it within hold_seconds, the running relay keeps its turn (on
        # PostgreSQL the advisory lock) from one batch to the next, for at most RELAY_HOLD_MAX_SECONDS.
        self.hold_seconds = hold_seconds
        # Published rows are kept this long (a record of what was sent, for an operator), then deleted
        # by the relay in chunks; None keeps them for ever. Unpublished rows are never deleted.
        self.retention_seconds = retention_seconds
        # The relay keeps the service's inbox too: rows of events handled longer ago than this are deleted
        # (purge_inbox), when the events can no longer come again; None keeps them for ever.
        self.inbox_retention_seconds = inbox_retention_seconds
        self.purge_every_seconds = purge_every_seconds
        self._next_purge = time.monotonic() + min(60.0, purge_every_seconds)
        self.batch = batch
        self.contended_retry_seconds = contended_retry_seconds
        self.retry_backoff_seconds = retry_backoff_seconds
        self.retry_backoff_cap_seconds = retry_backoff_cap_seconds
        self._postgres = db.engine.dialect.name == "postgresql"
        self._local_turn = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._own: Connection | None = None  # PostgreSQL: the relay's own connection (`_connection`)
        # The topics this relay has made sure of (`_ensure_topics`).
        self._topics_ready: set[str] = set()
        db.on_commit(self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_PENDING, False):
            self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.service}-outbox-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._thread is None or not self._thread.is_alive():
            with self._local_turn:
                self._drop_connection()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            woken = self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                if time.monotonic() >= self._next_purge:
                    self._next_purge = time.monotonic() + self.purge_every_seconds
                    self.purge_old()
                if not self.drain(hold_seconds=self.hold_seconds) and woken:
                    # Another relay of this service is publishing; it may have read its batch before our
                    # commit. Try again shortly rather than at the next poll.
                    self._stop.wait(self.contended_retry_seconds)
                    self._wake.set()
                failures = 0
            except Exception as exc:
                # The broker or the database is away. Nothing was marked that Kafka did not acknowledge:
                # the next try reads the same rows, in the same order. Try again after a capped
                # backoff (not only at the next commit or poll), for as long as it takes.
                failures += 1
                delay = backoff_delay(failures, base=self.retry_backoff_seconds, cap=self.retry_backoff_cap_seconds)
                log.warning(
                    "outbox relay of %s failed (%d in a row: %s); retrying in %.1f s",
                    self.service,
                    failures,
                    _last_line(traceback.format_exception_only(exc)[-1]),
                    delay,
                    exc_info=failures == 1,
                )
                self._stop.wait(delay)
                self._wake.set()

    def drain(self, *, hold_seconds: float = 0.0) -> bool:
        """Publish batches until the outbox has no more; False when another relay of this service
        holds the turn (it publishes ours too: the outbox is one table per service). With `hold_seconds`
        (the running relay's), again at each wake that comes within it, in the same turn: under a steady
        flow of commits the advisory lock is taken and given back once per RELAY_HOLD_MAX_SECONDS instead
        of once per batch (two round trips each). Another relay of the service meanwhile finds the turn
        taken and tries again shortly (`_run`), while this one publishes its rows too; once commits pause
        for `hold_seconds`, or the longest hold has passed, the turn is given back."""
        with self._turn() as mine:
            if not mine:
                return False
            until = time.monotonic() + RELAY_HOLD_MAX_SECONDS
            while True:
                while self._publish_batch() == self.batch and not self._stop.is_set():
                    pass
                if self._stop.is_set() or hold_seconds <= 0 or time.monotonic() >= until:
                    return True
                if not self._wake.wait(hold_seconds):
                    return True
                self._wake.clear()

    def publish_pending(self) -> int:
        """Publish one batch of unpublished events in order; returns how many were published (0 also
        while another relay of this service holds the turn)."""
        with self._turn() as mine:
            return self._publish_batch() if mine else 0

    def purge_old(self) -> None:
        """The relay's housekeeping, every `purge_every_seconds`: the published outbox rows and the inbox
        rows past their retentions (none given: kept)."""
        if self.retention_seconds is not None:
            self.purge_published(older_than_seconds=self.retention_seconds)
        if self.inbox_retention_seconds is not None:
            purge_inbox(self.db, older_than_seconds=self.inbox_retention_seconds, stop=self._stop.is_set)

    def purge_published(self, *, older_than_seconds: float, chunk: int = 5000) -> int:
        """Deletes the rows published more than `older_than_seconds` ago, `chunk` rows per transaction
        (never a long lock on the table the services write their events into); returns how many."""
        cutoff = utcnow() - timedelta(seconds=older_than_seconds)
        oldest = (
            select(outbox.c.id)
            .where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
            .order_by(outbox.c.id)
            .limit(chunk)
            .scalar_subquery()
        )
        statement = delete(outbox).where(outbox.c.id.in_(oldest))
        deleted = _delete_in_chunks(self.db, statement, chunk=chunk, stop=self._stop.is_set)
        if deleted:
            log.info(
                "outbox of %s: %d published rows older than %.0f s deleted", self.service, deleted, older_than_seconds
            )
        return deleted

    @contextmanager
    def _turn(self) -> Iterator[bool]:
        """Whether this relay may publish now. Rows are read without locks and marked after the flush,
        so two relays at once would send the same events twice each (still in order per key, but
        twice): on PostgreSQL a session advisory lock gives one relay of the database the turn, taken
        on the relay's own connection (`_connection`), which has no transaction open while the batch
        goes out. SQLite has one process."""
        if not self._postgres:
            with self._local_turn:
                yield True
            return
        with self._local_turn:  # the relay's connection is used by one thread at a time
            connection = self._connection()
            try:
                mine = bool(connection.execute(_RELAY_LOCK).scalar())
            except BaseException:
                self._drop_connection()
                raise
            if not mine:
                yield False
                return
            try:
                yield True
            finally:
                try:
                    if self._own is connection:  # else dropped after a failure, the lock with it
                        connection.execute(_RELAY_UNLOCK)
                except Exception:
                    log.warning("could not release the relay's lock; dropping its connection", exc_info=True)
                    self._drop_connection()  # the server releases a session's locks when it ends

    def _connection(self) -> Connection:
        """The relay's own PostgreSQL connection, kept while it works: in autocommit (each of its
        statements one round trip, no BEGIN and COMMIT around it) and with `synchronous_commit = off`,
        which only the marking of published rows uses (the relay's other statements write nothing).
        A mark lost in a crash of PostgreSQL within its WAL writer's delay (≤ 3 × 200 ms) leaves the
        rows unpublished: they are sent again, and the inboxes drop the copies, as after a crash of the
        relay between the flush and the mark. The events themselves are written by the services'
        transactions, with PostgreSQL's durable default. Never given back to the pool with these
        settings: closed with its DBAPI connection (`_drop_connection`)."""
        if self._own is None:
            connection = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            connection.info[PRIVATE_SESSION] = True  # never handed out by the pool again
            try:
                connection.exec_driver_sql("SET synchronous_commit = off")
            except BaseException:
                connection.invalidate()
                connection.close()
                raise
            self._own = connection
        return self._own

    def _drop_connection(self) -> None:
        connection, self._own = self._own, None
        if connection is None:
            return
        try:
            connection.invalidate()  # not back to the pool: its session settings (and any lock) end with it
        finally:
            connection.close()

    def _read_batch(self) -> Sequence[Any]:
        parameters = {"batch": self.batch}
        if self._own is not None:
            rows: Sequence[Any] = self._run_own(_READ_OUTBOX, parameters).all()
            return rows
        with self.db.session() as session:
            return session.execute(_READ_OUTBOX, parameters).all()

    def _mark_published(self, ids: Sequence[int]) -> None:
        parameters = {"ids": list(ids), "at": utcnow()}
        if self._own is not None:
            self._run_own(_MARK_PUBLISHED, parameters)
            return
        with self.db.session() as session:
            session.execute(_MARK_PUBLISHED, parameters)

    def _run_own(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        connection = self._own
        assert connection is not None
        try:
            return connection.execute(statement, parameters)
        except BaseException:
            self._drop_connection()
            raise

    def _ensure_topics(self, topics: set[str]) -> None:
        """Creates those of `topics` that do not exist yet, once per topic and process: a department's
        topic (`Topics.department_cases`) is first written when its first case is dispatched, perhaps before
        the department's system (which makes it too) ever started, on a cluster that does not create topics
        on a first write. Without it every send to the topic would wait for its metadata and fail, and the
        relay, which keeps the outbox's order, would send nothing else meanwhile."""
        new = sorted(topics - self._topics_ready)
        if new:
            self.bus.ensure_topics(new)
            self._topics_ready.update(new)

    def _publish_batch(self) -> int:
        rows = self._read_batch()
        if not rows:
            return 0
        messages = []
        sent = []
        for row in rows:
            headers = {"content-type": CONTENT_TYPE}
            headline = _headline(row.topic, row.payload)
            if headline.event_type is not None:
                headers[TYPE_HEADER] = headline.event_type
            messages.append(Outgoing(row.topic, row.key, row.payload, headers))
            sent.append(headline)
        self._ensure_topics({row.topic for row in rows})
        # No transaction is open while the bus acknowledges. A crash before the rows are marked below
        # sends them again next time, in the same order. Each event keeps the trace context of the
        # request or handler that emitted it: the send is a span of that trace (when exported).
        with tracing.sending(sent):
            self.bus.publish_batch(messages)
        self._mark_published([row.id for row in rows])
        RELAY_BATCH_SIZE.labels(self.service).observe(len(rows))
        for row in rows:
            EVENTS_PUBLISHED.labels(self.service, row.topic).inc()
        return len(rows)


Handler = Callable[[Session, Event], None]
P = TypeVar("P")
T = TypeVar("T")
_R = TypeVar("_R")
_Args = ParamSpec("_Args")


@dataclass(frozen=True)
class PreparedHandler(Generic[P]):
    """A handler in two stages. `prepare(event)` runs before the batch's transaction opens, with no
    database connection held, so it may ask another service; `handle(session, event, prepared)` runs
    in the transaction with what `prepare` returned. A failing event is retried whole: `prepare` runs
    again. An event already in the inbox is not prepared."""

    prepare: Callable[[Event], P]
    handle: Callable[[Session, Event, P], None]


@dataclass(frozen=True)
class BatchHandler:
    """A handler that takes all the events of a poll batch it handles in one call, so that it can write
    them with one statement (a multi-row INSERT ... ON CONFLICT DO NOTHING) instead of one or more per
    event. `handle_batch(session, events)` gets the batch's new events in their order, in the batch's
    transaction (no savepoint); should it fail, that transaction is rolled back and each event goes
    through `handle(session, event)` in a savepoint of its own, as a plain handler's would (so one bad
    event is isolated as before). A `BatchHandler` is a plain handler too: retries, replays and `run_handler`
    call `handle`. The consumer makes one `handle_batch` call per run of consecutive events of the batch's
    transaction that have the same `BatchHandler`; the other events, between them, go through their own
    handlers one by one, in the batch's order.

    `idempotent`: the handler makes each event's effect at most once by a unique key of its own (one row
    per event id, written with ON CONFLICT DO NOTHING), so that an event handled again changes nothing:
    the consumer's batch transaction then neither reads nor writes the inbox for its events (two
    statements fewer per batch). Retries of a failed event alone and dead-letter replays still do."""

    handle: Handler
    handle_batch: Callable[[Session, Sequence[Event]], None]
    idempotent: bool = False

    def __call__(self, session: Session, event: Event) -> None:
        self.handle(session, event)


EventHandler: TypeAlias = Handler | PreparedHandler[Any]


def _inboxed(handler: EventHandler | None) -> bool:
    """Whether the batch transaction keeps `handler`'s events in the inbox (BatchHandler.idempotent)."""
    return not (isinstance(handler, BatchHandler) and handler.idempotent)


def run_handler(db: Database, handler: EventHandler, event: Event) -> None:
    """What the consumer does with one event, without its inbox: the prepare stage with no transaction
    open, then the handling in one transaction (for tests and tools that feed events by hand)."""
    if isinstance(handler, PreparedHandler):
        prepared = handler.prepare(event)
        with db.session() as session:
            handler.handle(session, event, prepared)
    else:
        with db.session() as session:
            handler(session, event)


class HandedBack(Exception):
    """The consumer is stopping while a message still fails (or its offset is not committed yet): it
    stays uncommitted and is redelivered to whichever member takes the partition next, instead of
    being dead-lettered by a hurried retry."""


class _Status:
    TODO = "todo"  # to be handled
    IGNORED = "ignored"  # no handler for its type in this group
    UNDECODABLE = "undecodable"
    REFUSED = "refused"  # decoded, but its data does not fit the model of its type
    DUPLICATE = "duplicate"
    HANDLED = "handled"
    FAILED = "failed"


_DONE = {_Status.IGNORED, _Status.UNDECODABLE, _Status.REFUSED, _Status.DUPLICATE, _Status.HANDLED}


@dataclass
class _Delivery:
    message: Message
    status: str = _Status.TODO
    type: str = ""
    event: Event | None = None
    handler: EventHandler | None = None
    prepared: Any = None
    failure: str = ""
    transient: bool = False  # the failure was of infrastructure: retried without limit

    @property
    def partition(self) -> tuple[str, int]:
        return (self.message.topic, self.message.partition)


def _begin(session: Session) -> None:
    """Open the transaction for real on SQLite: pysqlite would otherwise let the first savepoint
    begin it and the savepoint's release commit it, one event at a time. IMMEDIATE takes the
    write lock at once, so the transaction never fails to upgrade a read lock."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class EventConsumer:
    """Drives one consumer-group member: poll a batch, prepare, handle it idempotently in one
    transaction, commit its offsets."""

    # Called with (group, message, reason) before a message goes to its dead-letter topic
    # (gov_common.dead_letters records it in the service's database).
    on_dead_letter: Callable[[str, Message, str], None] | None = None

    def __init__(
        self,
        *,
        db: Database,
        bus: Bus,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, EventHandler],
        service: str,
        max_attempts: int = 5,
        backoff_seconds: float = 0.2,
        backoff_cap_seconds: float = 15.0,
        poll_seconds: float = 0.5,
        max_batch: int = 64,
        gather_ms: int = 0,
        accepts: Callable[[Event], bool] | None = None,
        models: Mapping[str, type[EventData]] = EVENT_MODELS,
    ) -> None:
        self.db = db
        # The model of each event type's data (gov_common.contracts.events), parsed before the handler.
        self.models = models
        # Which decoded events concern this member at all (e.g. a department's system: its own
        # department's cases), asked before the event's data is parsed. The others are committed as
        # ignored without any database work, so a member's cost does not grow with the events of every
        # other department on the topic.
        self.accepts = accepts
        self.bus = bus
        self.group = group
        self.topics = list(topics)
        self.handlers = dict(handlers)
        self.service = service
        # A deterministic failure is tried max_attempts times in all, then dead-lettered; a transient
        # one (gov_common.transient) is tried until it goes through. Waits double from
        # backoff_seconds up to backoff_cap_seconds.
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        # A group allowed to lag (Bus.consumer's gather_ms) polls at least as long as its fetches wait.
        self.gather_ms = gather_ms
        self.poll_seconds = max(poll_seconds, gather_ms / 1000)
        self.max_batch = max_batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: BusConsumer | None = None
        self.ready = threading.Event()
        # Skipped-only batches not committed yet (SKIPPED_COMMIT_SECONDS), and since when.
        self._deferred: list[Message] = []
        self._deferred_since = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.service}-consumer-{self.group}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the batch in hand, commit only what was handled, then leave the group."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._consumer = self.bus.consumer(
                    self.group, self.topics, max_records=self.max_batch, gather_ms=self.gather_ms
                )
                self.ready.set()
                while not self._stop.is_set():
                    messages = self._consumer.poll(self.poll_seconds)
                    if not messages or self._stop.is_set():
                        # Not handled, not committed: redelivered after restart. Skipped batches waiting
                        # for a commit get theirs now if it is due (at once when stopping).
                        messages = []
                    try:
                        if messages:
                            self.handle_batch(messages, self._consumer)
                        else:
                            self._commit_deferred(self._consumer, due_only=not self._stop.is_set())
                    except HandedBack as handed_back:
                        log.info("consumer %s stopping; %s handed back", self.group, handed_back)
                        break
                    except Reassigned as reassigned:
                        # A rebalance while an event was retried: what is in hand may be another
                        # member's now. Drop it and read on from the committed offsets.
                        log.info("consumer %s: %s; reading on from the committed offsets", self.group, reassigned)
                        self._deferred.clear()
                        self._consumer.rewind()
            except Exception:
                # Whatever was not committed is redelivered to the member that rejoins.
                log.exception("consumer %s failed; reconnecting", self.group)
                self._deferred.clear()
                self._stop.wait(1.0)
            finally:
                if self._consumer is not None:
                    try:
                        self._consumer.close()
                    except Exception:
                        log.exception("closing consumer %s", self.group)
                    self._consumer = None

    def handle_message(self, message: Message) -> None:
        """Handle one message (a batch of one); no offset is committed."""
        self.handle_batch([message])

    def handle_batch(self, messages: Sequence[Message], consumer: BusConsumer | None = None) -> None:
        """Handle a poll batch and, with `consumer`, commit its offsets: the events that went through
        in one commit after their transaction, then each failing one once resolved (retried until it
        goes through, or dead-lettered after bounded retries if its failure is not transient) and only
        then what followed it in its partition. Raises HandedBack when the consumer stops while an
        event still fails, Reassigned when the group is rebalanced meanwhile; what was committed stays
        committed."""
        CONSUMER_BATCH_SIZE.labels(self.service, self.group).observe(len(messages))
        pending = list(messages)
        while pending:
            done, failed, pending = self._attempt(pending, consumer)
            if consumer is not None and done:
                if not failed and not pending and all(d.status == _Status.IGNORED for d in done):
                    # Nothing of it touched the database: its offsets wait for the next commit.
                    if not self._deferred:
                        self._deferred_since = time.monotonic()
                    self._deferred.extend(d.message for d in done)
                    self._commit_deferred(consumer, due_only=True)
                else:
                    self._commit(consumer, [d.message for d in done], "committing offsets")
            for delivery in failed:
                self._resolve(delivery, consumer)
                if consumer is not None:
                    self._commit(consumer, [delivery.message], "committing an offset")

    def _commit(self, consumer: BusConsumer, messages: Sequence[Message], what: str) -> None:
        """Commit the offsets of `messages` and of the skipped batches waiting (older, so a partition's
        newest offset is the one committed)."""
        waiting = list(self._deferred)
        self._persist(partial(consumer.commit_all, [*waiting, *messages]), what, consumer)
        del self._deferred[: len(waiting)]

    def _commit_deferred(self, consumer: BusConsumer, *, due_only: bool) -> None:
        if self._deferred and (not due_only or time.monotonic() - self._deferred_since >= SKIPPED_COMMIT_SECONDS):
            self._commit(consumer, [], "committing the offsets of skipped events")

    # -- waiting, and what must go through -----------------------------------------------------

    def _wait(self, seconds: float, consumer: BusConsumer | None) -> bool:
        """Let `seconds` pass, still a member of the group; False as soon as the consumer is stopping.
        Raises Reassigned when the group is rebalanced meanwhile."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            if consumer is None:
                self._stop.wait(left)
            else:
                consumer.wait(min(left, KEEP_ALIVE_SECONDS))
        return False

    def _transient_delay(self, failures: int) -> float:
        return backoff_delay(failures, base=self.backoff_seconds, cap=self.backoff_cap_seconds)

    def _persist(self, action: Callable[[], T], what: str, consumer: BusConsumer | None) -> T:
        """Run `action` (an offset commit, a dead letter, a look-up) until it goes through, waiting
        after each transient failure; a deterministic failure is raised."""
        failures = 0
        while True:
            try:
                return action()
            except Reassigned:
                raise
            except Exception as exc:
                if not is_transient(exc):
                    raise
                failures += 1
                delay = self._transient_delay(failures)
                log.warning(
                    "consumer %s: %s failed (%d in a row, transient: %s); retrying in %.1f s",
                    self.group,
                    what,
                    failures,
                    _last_line(traceback.format_exception_only(exc)[-1]),
                    delay,
                )
                if not self._wait(delay, consumer):
                    raise HandedBack(f"{what} (stopping)") from exc

    # -- one pass over a batch -----------------------------------------------------------------

    def _attempt(
        self, messages: Sequence[Message], consumer: BusConsumer | None = None
    ) -> tuple[list[_Delivery], list[_Delivery], list[Message]]:
        """Returns what is done (to commit), the first failed delivery of each partition where one
        failed, and the messages after those (to handle once the failure is resolved)."""
        deliveries = [self._classify(message) for message in messages]
        self._prepare(deliveries, consumer)
        applied = self._apply(deliveries)
        done: list[_Delivery] = []
        failed: list[_Delivery] = []
        rest: list[Message] = []
        blocked: set[tuple[str, int]] = set()
        for delivery in deliveries:
            if delivery.partition in blocked:
                rest.append(delivery.message)
            elif delivery.status == _Status.FAILED:
                blocked.add(delivery.partition)
                failed.append(delivery)
            elif delivery.status in _DONE:
                done.append(delivery)
            else:  # not reached: every delivery is settled or behind a failure
                raise AssertionError(f"delivery left {delivery.status}")
        for delivery in done:
            if delivery.status in (_Status.UNDECODABLE, _Status.REFUSED):
                # Before its offset is committed.
                dead_letter = partial(self._dead_letter, delivery.message, delivery.failure)
                self._persist(dead_letter, "dead-lettering", consumer)
            else:
                EVENTS_CONSUMED.labels(self.service, self.group, delivery.type, delivery.status).inc()
        if applied:
            log.debug("consumer %s handled %d events in one transaction", self.group, applied)
        return done, failed, rest

    def _classify(self, message: Message) -> _Delivery:
        delivery = _Delivery(message)
        declared = message.headers.get(TYPE_HEADER)
        if declared is not None and declared not in self.handlers:
            delivery.status, delivery.type = _Status.IGNORED, declared  # not even decoded
            return delivery
        try:
            event = Event.decode(message.value)
        except EventFormatError as exc:
            delivery.status, delivery.failure = _Status.UNDECODABLE, f"undecodable: {exc}"
            return delivery
        delivery.event, delivery.type = event, event.type
        delivery.handler = self.handlers.get(event.type)
        if delivery.handler is None or (self.accepts is not None and not self.accepts(event)):
            delivery.status = _Status.IGNORED
            return delivery
        # The data parsed once, with the model of its type, before any handler runs: data that does not
        # fit is refused (dead-lettered, the fields named) and never retried; the handler gets the model.
        model = self.models.get(event.type)
        if model is not None:
            try:
                payload = model.model_validate(event.data)
            except ValidationError as exc:
                delivery.status = _Status.REFUSED
                delivery.failure = refused(event, exc)
                return delivery
            delivery.event = TypedEvent.carrying(event, payload)
        return delivery

    def _prepare(self, deliveries: Sequence[_Delivery], consumer: BusConsumer | None = None) -> None:
        """The prepare stage, before any transaction: events already handled are not prepared again;
        after a failure, nothing more of that partition is prepared in this pass."""
        todo = [d for d in deliveries if d.status == _Status.TODO and isinstance(d.handler, PreparedHandler)]
        if not todo:
            return
        ids = [d.event.id for d in todo if d.event is not None]
        seen = self._persist(partial(self._in_inbox, ids), "reading the inbox", consumer)
        blocked: set[tuple[str, int]] = set()
        for delivery in todo:
            assert delivery.event is not None and isinstance(delivery.handler, PreparedHandler)
            if delivery.event.id in seen:
                delivery.status = _Status.DUPLICATE
                continue
            if delivery.partition in blocked:
                continue
            with tracing.handling(delivery.event, group=self.group, stage="prepare"):
                try:
                    delivery.prepared = delivery.handler.prepare(delivery.event)
                except Exception as exc:
                    log.warning("preparing %s %s failed", delivery.type, delivery.event.id, exc_info=True)
                    delivery.status, delivery.failure = _Status.FAILED, traceback.format_exc(limit=5)
                    delivery.transient = is_transient(exc)
                    blocked.add(delivery.partition)

    def _in_inbox(self, event_ids: Sequence[str]) -> set[str]:
        with self.db.session() as session:
            return self._seen(session, event_ids)

    def _seen(self, session: Session, event_ids: Sequence[str]) -> set[str]:
        """Which of `event_ids` this group has handled already (the inbox)."""
        return set(session.scalars(_SEEN_IN_INBOX, {"consumer": self.group, "ids": list(event_ids)}))

    def _apply(self, deliveries: Sequence[_Delivery]) -> int:
        """The batch's transaction: first without savepoints (`_apply_unguarded`), which stands only if
        every event went through; else again with each event in a savepoint (`_apply_guarded`), where an
        event that fails is rolled back to its savepoint and stops its partition for this pass. The
        inbox rows of the events handled are in the same transaction (written first in the unguarded pass,
        last in the guarded one)."""
        blocked: set[tuple[str, int]] = set()
        todo: list[_Delivery] = []
        for delivery in deliveries:
            if delivery.partition in blocked:
                continue
            if delivery.status == _Status.FAILED:
                blocked.add(delivery.partition)
            elif delivery.status == _Status.TODO:
                todo.append(delivery)
        if not todo:
            return 0
        handled = self._apply_unguarded(todo)
        if handled is not None:
            return handled
        # A BatchHandler's call failed (or one event's handler): each event alone, in a savepoint.
        return self._apply_guarded(todo)

    @staticmethod
    def _runs(todo: Sequence[_Delivery]) -> list[tuple[EventHandler | None, list[_Delivery]]]:
        """`todo` cut into runs of consecutive deliveries with the same handler, in order: each run of a
        `BatchHandler` is one call of it, so that a poll batch mixing event types (a partition of one
        topic after a partition of another) keeps its order and still writes each run in one go."""
        runs: list[tuple[EventHandler | None, list[_Delivery]]] = []
        for delivery in todo:
            if runs and runs[-1][0] is delivery.handler:
                runs[-1][1].append(delivery)
            else:
                runs.append((delivery.handler, [delivery]))
        return runs

    def _insert_inbox(self, session: Session, handled: Sequence[Event]) -> None:
        now = utcnow()
        session.execute(
            _INSERT_INBOX,
            [{"consumer": self.group, "event_id": e.id, "event_type": e.type, "handled_at": now} for e in handled],
        )

    def _claim(self, session: Session, events: Sequence[Event]) -> set[str]:
        """The inbox rows of `events` written first thing in the batch's transaction, in one statement
        that skips those already there: the ids of those come back (handled before, by this member or
        another; a row another member's open transaction is writing waits for it to end). The rows stand
        or fall with the transaction, so only where any failure rolls the whole of it back
        (`_apply_unguarded`): a savepoint per event would leave a failed event's row behind."""
        now = utcnow()
        rows = {
            e.id: {"consumer": self.group, "event_id": e.id, "event_type": e.type, "handled_at": now} for e in events
        }
        dialect = session.get_bind().dialect.name
        statement = _CLAIM_INBOX.get(dialect)
        if statement is None:
            statement = _CLAIM_INBOX[dialect] = (
                dialect_insert(session, inbox).on_conflict_do_nothing().returning(inbox.c.event_id)
            )
        # In the order of their ids: two members claiming the same events (a rebalance under way) take their
        # locks in one order and do not deadlock.
        ordered = [rows[event_id] for event_id in sorted(rows)]
        return set(rows) - set(session.scalars(statement, ordered))

    def _apply_unguarded(self, todo: Sequence[_Delivery]) -> int | None:
        """The batch's transaction without a savepoint per event (two round trips fewer per event): it
        stands only if every event of it went through; the number handled then. If any one failed, or
        the transaction did, nothing of it stands and None is returned: the batch is handled again
        with a savepoint per event (`_apply_guarded`). The event whose handler failed keeps its failure
        and is not called again in that pass (its attempts count as before); the events before it are
        applied again, those after it in other partitions for the first time. Most batches have no
        failing event."""
        failed: tuple[_Delivery, str, bool] | None = None
        batch_failed = False
        try:
            # The events the handlers emit, written together at the end (one statement for the batch's).
            with self.db.session() as session, gathered(session):
                _begin(session)
                # The inbox rows first: any failure below rolls them back with the rest. An event handled
                # before (also by another member since a prepare stage looked) is a duplicate.
                inboxed = [d.event for d in todo if d.event is not None and _inboxed(d.handler)]
                seen = self._claim(session, inboxed) if inboxed else set()
                for handler, run in self._runs(todo):
                    if isinstance(handler, BatchHandler):
                        batch_failed = True
                        self._call_batch(session, handler, run, seen)
                        batch_failed = False
                        continue
                    for delivery in run:
                        event = delivery.event
                        assert event is not None and handler is not None
                        if event.id in seen:
                            delivery.status = _Status.DUPLICATE
                            continue
                        with tracing.handling(event, group=self.group):
                            try:
                                self._call(session, event, handler, delivery.prepared)
                                session.flush()
                            except Exception as exc:
                                # This event's failure, as its own savepoint would have had it (the events
                                # before it applied): kept, so that the guarded pass does not call its
                                # handler again.
                                log.warning("handling %s %s failed", event.type, event.id, exc_info=True)
                                failed = (delivery, traceback.format_exc(limit=5), is_transient(exc))
                                raise
                        delivery.status = _Status.HANDLED
                        seen.add(event.id)  # the same event again in this batch (a producer's resend): a duplicate
        except Exception:
            if batch_failed:
                log.warning(
                    "consumer %s: a batch of %d events failed in one go; handling them one by one",
                    self.group,
                    len(todo),
                    exc_info=True,
                )
            elif failed is None:  # the transaction itself failed, not a handler
                self._batch_failed(todo)
                return 0
            for delivery in todo:
                delivery.status = _Status.TODO
            if failed is not None:
                delivery, failure, transient = failed
                delivery.status, delivery.failure, delivery.transient = _Status.FAILED, failure, transient
            return None
        return sum(1 for d in todo if d.status == _Status.HANDLED)

    def _call_batch(self, session: Session, handler: BatchHandler, todo: Sequence[_Delivery], seen: set[str]) -> None:
        """A BatchHandler's one call with the batch's new events (a resend within the batch dropped), no
        savepoint; settles every delivery."""
        fresh: list[Event] = []
        for delivery in todo:
            assert delivery.event is not None
            if delivery.event.id in seen:
                delivery.status = _Status.DUPLICATE
            else:
                delivery.status = _Status.HANDLED
                seen.add(delivery.event.id)
                fresh.append(delivery.event)
        if fresh:
            with tracing.handling_batch(fresh, group=self.group):
                handler.handle_batch(session, fresh)
                session.flush()

    def _apply_guarded(self, todo: Sequence[_Delivery]) -> int:
        """The batch with each event in a savepoint of its own: an event that fails is rolled back to its
        savepoint and stops its partition for this pass; the others stand. One transaction for every
        GUARDED_SAVEPOINTS events of the batch, in order (a gathering group's batch of hundreds takes
        several): PostgreSQL keeps only 64 subtransactions of a transaction in each backend's shared
        cache, and past them every snapshot taken in the database looks them up in pg_subtrans. A
        transaction that fails as a whole ends the pass: what earlier ones committed stands, its events
        and those after it are retried (`_batch_failed`)."""
        blocked: set[tuple[str, int]] = set()
        handled = 0
        for start in range(0, len(todo), GUARDED_SAVEPOINTS):
            part = todo[start : start + GUARDED_SAVEPOINTS]
            try:
                handled += self._apply_guarded_part(part, blocked)
            except Exception:
                self._batch_failed(todo[start:])
                return handled
        return handled

    def _apply_guarded_part(self, part: Sequence[_Delivery], blocked: set[tuple[str, int]]) -> int:
        """One transaction of the guarded pass (`_apply_guarded`); `blocked` carries the partitions stopped
        by a failure from one part to the next."""
        applied: list[_Delivery] = []
        with self.db.session() as session:
            _begin(session)
            ids = [d.event.id for d in part if d.event is not None and _inboxed(d.handler)]
            seen = self._seen(session, ids) if ids else set()
            for delivery in part:
                if delivery.status == _Status.FAILED:  # failed in the unguarded pass: not called again
                    blocked.add(delivery.partition)
                if delivery.partition in blocked or delivery.status != _Status.TODO:
                    continue
                applied.append(delivery)
                self._apply_one(session, delivery, seen)
                if delivery.status == _Status.FAILED:
                    blocked.add(delivery.partition)
            # The inbox rows of the events that went through, in one statement of this transaction:
            # a row another member wrote meanwhile fails it whole (handled below, event by event).
            handled = [
                d.event for d in applied if d.status == _Status.HANDLED and d.event is not None and _inboxed(d.handler)
            ]
            if handled:
                self._insert_inbox(session, handled)
        return sum(1 for d in applied if d.status == _Status.HANDLED)

    def _batch_failed(self, todo: Sequence[_Delivery]) -> None:
        """The batch's transaction as a whole failed (the database went away, no pooled connection came
        free, the commit was refused, another member wrote one of its inbox rows): nothing of it stands.
        The first event of each partition in it is retried on its own. Such a failure says nothing
        against any one event (one whose handler is at fault fails again on its own), so it counts as
        transient for them all."""
        failure = traceback.format_exc(limit=5)
        log.warning(
            "consumer %s: a batch transaction failed (%s); retrying its events one by one",
            self.group,
            _last_line(failure),
        )
        # Every event of the transaction counts, also those not reached when it failed (a failure at its
        # first statement reaches none): each partition's first is retried alone, the rest wait behind it.
        for delivery in todo:
            if delivery.status != _Status.DUPLICATE:
                delivery.status, delivery.failure, delivery.transient = _Status.FAILED, failure, True

    def _apply_one(self, session: Session, delivery: _Delivery, seen: set[str]) -> None:
        event, handler = delivery.event, delivery.handler
        assert event is not None and handler is not None
        if event.id in seen:
            delivery.status = _Status.DUPLICATE
            return
        with tracing.handling(event, group=self.group):
            try:
                with session.begin_nested():
                    self._call(session, event, handler, delivery.prepared)
                delivery.status = _Status.HANDLED
                seen.add(event.id)  # the same event again in this batch (a producer's resend) is a duplicate
            except Exception as exc:
                log.warning("handling %s %s failed", event.type, event.id, exc_info=True)
                delivery.status, delivery.failure = _Status.FAILED, traceback.format_exc(limit=5)
                delivery.transient = is_transient(exc)

    @staticmethod
    def _call(session: Session, event: Event, handler: EventHandler, prepared: Any) -> None:
        if isinstance(handler, PreparedHandler):
            handler.handle(session, event, prepared)
        else:
            handler(session, event)

    def _run_handler(self, session: Session, event: Event, handler: EventHandler, prepared: Any) -> None:
        self._call(session, event, handler, prepared)
        session.execute(
            _INSERT_INBOX,
            {"consumer": self.group, "event_id": event.id, "event_type": event.type, "handled_at": utcnow()},
        )

    # -- a failing event, on its own -----------------------------------------------------------

    def _resolve(self, delivery: _Delivery, consumer: BusConsumer | None = None) -> None:
        """Retry a failed event alone (it has had its first attempt), with backoff, still a member of
        the group meanwhile: a transient failure until it goes through, a deterministic one until
        `max_attempts` of them, then dead-letter it. Raises HandedBack when the consumer is stopping,
        Reassigned when the group is rebalanced meanwhile."""
        event, handler = delivery.event, delivery.handler
        assert event is not None and handler is not None
        with tracing.handling(event, group=self.group, stage="retry"):
            self._retry(delivery, event, handler, consumer)

    def _retry(self, delivery: _Delivery, event: Event, handler: EventHandler, consumer: BusConsumer | None) -> None:
        """`_resolve`'s loop, in the span (or context) of the event's retries."""
        failure, transient = delivery.failure, delivery.transient
        deterministic, transients = (0, 1) if transient else (1, 0)
        while True:
            if transient:
                delay = self._transient_delay(transients)
                log.warning(
                    "handling %s %s failed for a transient reason (attempt %d; never dead-lettered), "
                    "retrying in %.1f s: %s",
                    event.type,
                    event.id,
                    deterministic + transients,
                    delay,
                    _last_line(failure),
                )
            elif deterministic >= self.max_attempts:
                break
            else:
                delay = min(self.backoff_cap_seconds, self.backoff_seconds * 2 ** (deterministic - 1))
                log.warning(
                    "handling %s %s failed (failure %d of %d before it is dead-lettered), retrying in %.1f s: %s",
                    event.type,
                    event.id,
                    deterministic,
                    self.max_attempts,
                    delay,
                    _last_line(failure),
                )
            if not self._wait(delay, consumer):
                raise HandedBack(f"event {event.id}")
            try:
                outcome = self._handle_alone(event, handler)
            except Exception as exc:
                failure, transient = traceback.format_exc(limit=5), is_transient(exc)
                if transient:
                    transients += 1
                else:
                    deterministic += 1
                continue
            EVENTS_CONSUMED.labels(self.service, self.group, event.type, outcome).inc()
            return
        self._persist(partial(self._dead_letter, delivery.message, failure), "dead-lettering", consumer)

    def _handle_alone(self, event: Event, handler: EventHandler) -> str:
        prepared = None
        if isinstance(handler, PreparedHandler):
            if self._in_inbox([event.id]):
                return _Status.DUPLICATE
            prepared = handler.prepare(event)
        try:
            with self.db.session() as session:
                _begin(session)
                if self._seen(session, [event.id]):
                    return _Status.DUPLICATE
                self._run_handler(session, event, handler, prepared)
            return _Status.HANDLED
        except IntegrityError:
            with self.db.session() as session:
                if self._seen(session, [event.id]):
                    return _Status.DUPLICATE
            raise

    def _dead_letter(self, message: Message, reason: str) -> None:
        topic = Topics.dead_letter(message.topic)
        log.error("sending message %s@%s to %s: %s", message.offset, message.topic, topic, reason)
        if self.on_dead_letter is not None:
            self.on_dead_letter(self.group, message, reason)
        headers = dict(message.headers)
        headers.update(
            {
                "x-dead-letter-reason": reason[-2000:],
                "x-original-topic": message.topic,
                "x-original-offset": str(message.offset),
                "x-consumer-group": self.group,
            }
        )
        self.bus.publish(topic, message.key or "", message.value, headers)
        EVENTS_DEAD_LETTERED.labels(self.service, self.group, message.topic).inc()
