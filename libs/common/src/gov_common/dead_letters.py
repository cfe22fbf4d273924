"""Dead letters a service can see and replay (docs/messaging.md, "Dead letters: list and replay").

Besides going to `<topic>.dlt` (unchanged), a message the consumer gives up on is recorded in the
service's own database, table `dead_letter`: its coordinates, the event's id and type, the message
itself and the reason. An administrator lists the pending ones (`<service> dead-letters list`, or the
admin page through the gateway), replays one after fixing its cause, or discards it with a reason.

A replay runs the stored event through the group's own handler, as the consumer does: the prepare
stage with no transaction open, then the handler and the inbox row in one transaction, in which the
dead letter is also marked replayed. The inbox makes a replay of an event already handled a no-op;
a letter no longer pending is left as it is. A replay that fails leaves the letter pending with
the new reason.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from prometheus_client import Gauge
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common import tracing
from gov_common.auth import CurrentPrincipal, Principal, Roles
from gov_common.bus.base import Message
from gov_common.contracts.events import EVENT_MODELS, TypedEvent, refused
from gov_common.db import Database, UTCDateTime, utcnow
from gov_common.errors import Forbidden, NotFound
from gov_common.events import Event, EventFormatError
from gov_common.params import RowId

log = logging.getLogger("gov_common.dead_letters")

Status = Literal["pending", "replayed", "discarded"]
PENDING: Final = "pending"
REPLAYED: Final = "replayed"
DISCARDED: Final = "discarded"
# What a replay did: handled now; already in the inbox; no handler of this group takes it; it failed
# again (still pending); nothing, the letter was no longer pending.
Outcome = Literal["handled", "duplicate", "ignored", "failed", "unchanged"]

MAX_REASON = 4000

DEAD_LETTERS_PENDING = Gauge(
    "gov_dead_letters_pending",
    "Dead letters recorded and neither replayed nor discarded",
    ["service", "group", "topic"],
    multiprocess_mode="mostrecent",
)

dead_letter_metadata = MetaData()

dead_letter = Table(
    "dead_letter",
    dead_letter_metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("consumer", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("key", String(200), nullable=False),
    Column("event_id", String(64), nullable=True),
    Column("event_type", String(200), nullable=True),
    Column("payload", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("replay_attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("resolved_by", String(200), nullable=True),
    Column("resolution", Text, nullable=True),
    UniqueConstraint("consumer", "topic", "partition", "offset", name="uq_dead_letter_message"),
)


def create_dead_letter_table(op: Any) -> None:
    """The migration step every service that consumes events has (its own migration calls it)."""
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("event_type", sa.String(200), nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("replay_attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
        sa.UniqueConstraint("consumer", "topic", "partition", "offset", name="uq_dead_letter_message"),
    )
    op.create_index("ix_dead_letter_status", "dead_letter", ["status"])


def drop_dead_letter_table(op: Any) -> None:
    op.drop_index("ix_dead_letter_status", "dead_letter")
    op.drop_table("dead_letter")


class DeadLetterOut(BaseModel):
    id: int
    service: str
    group: str
    topic: str
    partition: int
    offset: int
    key: str
    event_id: str | None
    event_type: str | None
    reason: str
    status: Status
    replay_attempts: int
    created_at: datetime
    updated_at: datetime
    resolved_by: str | None
    resolution: str | None


class ReplayOut(BaseModel):
    outcome: Outcome
    dead_letter: DeadLetterOut


class DiscardIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="why the administrator gives it up")


@dataclass(frozen=True)
class Replay:
    outcome: Outcome
    dead_letter: DeadLetterOut


def _decoded(value: bytes) -> tuple[str | None, str | None]:
    try:
        event = Event.decode(value)
    except EventFormatError:
        return None, None
    return event.id[:64], event.type[:200]


class DeadLetters:
    """One service's dead letters: recorded by its consumer (`record`), listed, replayed through
    `handlers` (the consumer group's own) and discarded."""

    def __init__(
        self,
        *,
        db: Database,
        service: str,
        handlers: Mapping[str, Any] | None = None,
        accepts: Callable[[Event], bool] | None = None,
        refresh_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.service = service
        self.handlers = dict(handlers or {})
        # The handlers of the service's further consumer groups (ServiceRuntime.add_consumer), by group:
        # a letter is replayed through its own group's handler.
        self.group_handlers: dict[str, dict[str, Any]] = {}
        self.accepts = accepts
        self.refresh_seconds = refresh_seconds
        self._gauged: set[tuple[str, str]] = set()
        self._gauge_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- recording (the consumer's hook) -------------------------------------------------------

    def record(self, group: str, message: Message, reason: str) -> None:
        """Record `message` as dead-lettered by `group`, in a short transaction of its own. Recorded
        once per message: the same message dead-lettered again (redelivered before its offset was
        committed) updates the reason of a pending letter and leaves a resolved one alone."""
        event_id, event_type = _decoded(message.value)
        now = utcnow()
        values = {
            "consumer": group,
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "key": (message.key or "")[:200],
            "event_id": event_id,
            "event_type": event_type or message.headers.get("ce_type"),
            "payload": message.value,
            "headers": json.dumps(message.headers, ensure_ascii=False),
            "reason": reason[-MAX_REASON:],
            "status": PENDING,
            "replay_attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.db.session() as session:
                session.execute(insert(dead_letter).values(**values))
        except IntegrityError:
            with self.db.session() as session:
                session.execute(
                    update(dead_letter)
                    .where(
                        dead_letter.c.consumer == group,
                        dead_letter.c.topic == message.topic,
                        dead_letter.c.partition == message.partition,
                        dead_letter.c.offset == message.offset,
                        dead_letter.c.status == PENDING,
                    )
                    .values(reason=values["reason"], updated_at=now)
                )
        self.refresh_gauge()

    # -- reading -------------------------------------------------------------------------------

    def _out(self, row: Any) -> DeadLetterOut:
        return DeadLetterOut(
            id=row.id,
            service=self.service,
            group=row.consumer,
            topic=row.topic,
            partition=row.partition,
            offset=row.offset,
            key=row.key,
            event_id=row.event_id,
            event_type=row.event_type,
            reason=row.reason,
            status=row.status,
            replay_attempts=row.replay_attempts,
            created_at=row.created_at,
            updated_at=row.updated_at,
            resolved_by=row.resolved_by,
            resolution=row.resolution,
        )

    def letters(self, *, status: str | None = PENDING, limit: int = 200) -> list[DeadLetterOut]:
        """The letters with `status` (None: all), oldest first."""
        query = select(dead_letter).order_by(dead_letter.c.id).limit(limit)
        if status is not None:
            query = query.where(dead_letter.c.status == status)
        with self.db.session() as session:
            return [self._out(row) for row in session.execute(query)]

    def get(self, letter_id: int) -> DeadLetterOut:
        with self.db.session() as session:
            row = session.execute(select(dead_letter).where(dead_letter.c.id == letter_id)).first()
        if row is None:
            raise NotFound(f"{self.service} 中没有编号为 {letter_id} 的死信", field="id", code="dead_letter_not_found")
        return self._out(row)

    def pending_ids(self) -> list[int]:
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(dead_letter.c.id).where(dead_letter.c.status == PENDING).order_by(dead_letter.c.id)
                )
            )

    # -- replaying and discarding --------------------------------------------------------------

    def replay(self, letter_id: int) -> Replay:
        """Run a pending letter's event through its group's handler; see the module's docstring."""
        letter = self.get(letter_id)
        if letter.status != PENDING:
            return Replay("unchanged", letter)
        with self.db.session() as session:
            payload = session.scalar(select(dead_letter.c.payload).where(dead_letter.c.id == letter_id))
        try:
            event = Event.decode(payload or b"")
        except EventFormatError as exc:
            return self._failed(letter_id, f"undecodable: {exc}")
        other = self.group_handlers.get(letter.group)
        handler = (other if other is not None else self.handlers).get(event.type)
        if handler is None or (other is None and self.accepts is not None and not self.accepts(event)):
            return self._settle(letter_id, "ignored", f"no handler of {letter.group} takes {event.type}")
        model = EVENT_MODELS.get(event.type)
        if model is not None:  # parsed as the consumer does: a letter still refused says which field
            try:
                event = TypedEvent.carrying(event, model.model_validate(event.data))
            except ValidationError as exc:
                return self._failed(letter_id, refused(event, exc))
        with tracing.handling(event, group=letter.group, stage="replay"):
            try:
                return self._run(letter, event, handler)
            except Exception:
                log.warning("replaying dead letter %s (%s %s) failed", letter_id, event.type, event.id, exc_info=True)
                return self._failed(letter_id, traceback.format_exc(limit=5))

    def _run(self, letter: DeadLetterOut, event: Event, handler: Any) -> Replay:
        # Imported here: gov_common.messaging records its dead letters through this module.
        from gov_common.messaging import PreparedHandler, inbox

        def seen(session: Session) -> bool:
            found = session.scalar(
                select(func.count()).where(inbox.c.consumer == letter.group, inbox.c.event_id == event.id)
            )
            return bool(found)

        prepared = None
        if isinstance(handler, PreparedHandler):
            with self.db.session() as session:
                already = seen(session)
            if already:
                return self._settle(letter.id, "duplicate", "already handled")
            prepared = handler.prepare(event)  # no transaction open: it may ask another service
        with self.db.session() as session:
            locked = select(dead_letter.c.status).where(dead_letter.c.id == letter.id).with_for_update()
            if session.scalar(locked) != PENDING:
                outcome: Outcome = "unchanged"
            elif seen(session):
                outcome = "duplicate"
                self._mark(session, letter.id, REPLAYED, "already handled")
            else:
                if isinstance(handler, PreparedHandler):
                    handler.handle(session, event, prepared)
                else:
                    handler(session, event)
                session.execute(
                    insert(inbox).values(
                        consumer=letter.group, event_id=event.id, event_type=event.type, handled_at=utcnow()
                    )
                )
                outcome = "handled"
                self._mark(session, letter.id, REPLAYED, "handled")
        log.info("dead letter %s of %s (%s %s) replayed: %s", letter.id, self.service, event.type, event.id, outcome)
        self.refresh_gauge()
        return Replay(outcome, self.get(letter.id))

    def _mark(self, session: Session, letter_id: int, status: str, resolution: str, by: str | None = None) -> None:
        session.execute(
            update(dead_letter)
            .where(dead_letter.c.id == letter_id)
            .values(status=status, resolution=resolution, resolved_by=by, updated_at=utcnow())
        )

    def _settle(self, letter_id: int, outcome: Outcome, resolution: str) -> Replay:
        with self.db.session() as session:
            result = session.execute(
                update(dead_letter)
                .where(dead_letter.c.id == letter_id, dead_letter.c.status == PENDING)
                .values(status=REPLAYED, resolution=resolution, updated_at=utcnow())
            )
        self.refresh_gauge()
        return Replay(outcome if result.rowcount else "unchanged", self.get(letter_id))  # type: ignore[attr-defined]

    def _failed(self, letter_id: int, reason: str) -> Replay:
        with self.db.session() as session:
            session.execute(
                update(dead_letter)
                .where(dead_letter.c.id == letter_id, dead_letter.c.status == PENDING)
                .values(
                    reason=reason[-MAX_REASON:],
                    replay_attempts=dead_letter.c.replay_attempts + 1,
                    updated_at=utcnow(),
                )
            )
        return Replay("failed", self.get(letter_id))

    def replay_all(self) -> list[Replay]:
        return [self.replay(letter_id) for letter_id in self.pending_ids()]

    def discard(self, letter_id: int, *, reason: str, by: str) -> DeadLetterOut:
        """Give a pending letter up (an administrator's decision, kept with who and why); a letter no
        longer pending is left as it is."""
        self.get(letter_id)
        with self.db.session() as session:
            session.execute(
                update(dead_letter)
                .where(dead_letter.c.id == letter_id, dead_letter.c.status == PENDING)
                .values(status=DISCARDED, resolution=reason[:1000], resolved_by=by[:200], updated_at=utcnow())
            )
        log.warning("dead letter %s of %s discarded by %s: %s", letter_id, self.service, by, reason)
        self.refresh_gauge()
        return self.get(letter_id)

    # -- the gauge -----------------------------------------------------------------------------

    def refresh_gauge(self) -> None:
        """Set gov_dead_letters_pending of this service from its table (every group and topic that
        has or had pending letters in this process)."""
        try:
            with self.db.session() as session:
                counts = {
                    (row.consumer, row.topic): int(row.n)
                    for row in session.execute(
                        select(dead_letter.c.consumer, dead_letter.c.topic, func.count().label("n"))
                        .where(dead_letter.c.status == PENDING)
                        .group_by(dead_letter.c.consumer, dead_letter.c.topic)
                    )
                }
        except Exception:
            log.debug("could not count the dead letters of %s", self.service, exc_info=True)
            return
        with self._gauge_lock:
            for group, topic in self._gauged | set(counts):
                DEAD_LETTERS_PENDING.labels(self.service, group, topic).set(counts.get((group, topic), 0))
            self._gauged |= set(counts)

    def start(self) -> None:
        """Keep the gauge current (another process of the service may record or replay letters)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._refresh_loop, name=f"{self.service}-dead-letters", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _refresh_loop(self) -> None:
        self.refresh_gauge()
        while not self._stop.wait(self.refresh_seconds):
            self.refresh_gauge()


# -- the service's admin API (the gateway's /api/v1/dead-letters gathers every service's) ------------


def require_admin(principal: Principal) -> None:
    if not principal.has_role(Roles.ADMIN):
        raise Forbidden("仅系统管理员可以处理死信", code="admin_only")


def _store(request: Request) -> DeadLetters:
    store: DeadLetters = request.app.state.runtime.dead_letters
    return store


router = APIRouter(prefix="/api/v1/dead-letters", tags=["operations"])


@router.get("", response_model=list[DeadLetterOut])
def list_dead_letters(
    request: Request,
    principal: CurrentPrincipal,
    status: Annotated[Status | None, Query(description="pending (default), replayed or discarded")] = PENDING,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeadLetterOut]:
    """This service's dead letters with their reason (administrators)."""
    require_admin(principal)
    return _store(request).letters(status=status, limit=limit)


@router.get("/{letter_id}", response_model=DeadLetterOut)
def get_dead_letter(letter_id: RowId, request: Request, principal: CurrentPrincipal) -> DeadLetterOut:
    """One dead letter (administrators)."""
    require_admin(principal)
    return _store(request).get(letter_id)


@router.post("/{letter_id}/replay", response_model=ReplayOut)
def replay_dead_letter(letter_id: RowId, request: Request, principal: CurrentPrincipal) -> ReplayOut:
    """Run a pending dead letter through its consumer's handler again; idempotent (administrators)."""
    require_admin(principal)
    replay = _store(request).replay(letter_id)
    log.info("dead letter %s replayed by %s: %s", letter_id, principal.username or principal.sub, replay.outcome)
    return ReplayOut(outcome=replay.outcome, dead_letter=replay.dead_letter)


@router.post("/{letter_id}/discard", response_model=DeadLetterOut)
def discard_dead_letter(
    letter_id: RowId, body: DiscardIn, request: Request, principal: CurrentPrincipal
) -> DeadLetterOut:
    """Give a pending dead letter up, with the reason (administrators)."""
    require_admin(principal)
    return _store(request).discard(letter_id, reason=body.reason, by=principal.username or principal.sub)
