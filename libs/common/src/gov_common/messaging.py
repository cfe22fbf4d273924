"""Transactional outbox and idempotent inbox, and the threads that drive them.

Producer side: `emit()` writes the event in the caller's transaction; when that transaction
commits, the relay is woken at once and publishes (it also polls, as a fallback for events
committed by another process or left behind by a crash).

Consumer side: each message is handled in one transaction that also records the event id in
the inbox; the bus offset is committed only after that transaction. A redelivered event finds
its id in the inbox and is skipped. A handler that keeps failing sends the message to the
topic's dead-letter topic after bounded retries.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common.bus.base import Bus, BusConsumer, Message
from gov_common.context import reset_request_id, set_request_id
from gov_common.db import Database, UTCDateTime, utcnow
from gov_common.events import CONTENT_TYPE, Event, EventFormatError, Topics
from gov_common.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_PUBLISHED

log = logging.getLogger("gov_common.messaging")

messaging_metadata = MetaData()

outbox = Table(
    "outbox",
    messaging_metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True, index=True),
)

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("handled_at", UTCDateTime, nullable=False),
)

_PENDING = "gov_outbox_pending"


def emit(session: Session, topic: str, event: Event) -> None:
    """Record `event` for publication on `topic`, in the caller's transaction."""
    session.execute(
        insert(outbox).values(
            event_id=event.id,
            topic=topic,
            key=event.subject,
            payload=event.encode(),
            created_at=utcnow(),
        )
    )
    session.info[_PENDING] = True


class OutboxRelay:
    def __init__(self, *, db: Database, bus: Bus, service: str, poll_seconds: float = 2.0, batch: int = 100) -> None:
        self.db = db
        self.bus = bus
        self.service = service
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
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

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                while self.publish_pending() == self.batch and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("outbox relay failed; will retry")
                self._stop.wait(1.0)

    def publish_pending(self) -> int:
        """Publish one batch of unpublished events in order; returns how many were published."""
        with self.db.session() as session:
            rows = session.execute(
                select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                self.bus.publish(row.topic, row.key, row.payload, {"content-type": CONTENT_TYPE})
                session.execute(update(outbox).where(outbox.c.id == row.id).values(published_at=utcnow()))
                EVENTS_PUBLISHED.labels(self.service, row.topic).inc()
            return len(rows)


Handler = Callable[[Session, Event], None]


class HandedBack(Exception):
    """The consumer is stopping while a message still fails: it stays uncommitted and is redelivered
    to whichever member takes the partition next, instead of being dead-lettered by a hurried retry."""


class EventConsumer:
    """Drives one consumer-group member: poll, handle idempotently, commit the offset."""

    def __init__(
        self,
        *,
        db: Database,
        bus: Bus,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, Handler],
        service: str,
        max_attempts: int = 5,
        backoff_seconds: float = 0.2,
        poll_seconds: float = 0.5,
    ) -> None:
        self.db = db
        self.bus = bus
        self.group = group
        self.topics = list(topics)
        self.handlers = dict(handlers)
        self.service = service
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: BusConsumer | None = None
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.service}-consumer-{self.group}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the message in hand, commit only what was handled, then leave the group."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._consumer = self.bus.consumer(self.group, self.topics)
                self.ready.set()
                while not self._stop.is_set():
                    for message in self._consumer.poll(self.poll_seconds):
                        if self._stop.is_set():
                            break  # not handled, not committed: redelivered after restart
                        try:
                            self.handle_message(message)
                        except HandedBack:
                            log.info("consumer %s stopping; message %s handed back", self.group, message.offset)
                            break
                        self._consumer.commit(message)
            except Exception:
                log.exception("consumer %s failed; reconnecting", self.group)
                self._stop.wait(1.0)
            finally:
                if self._consumer is not None:
                    try:
                        self._consumer.close()
                    except Exception:
                        log.exception("closing consumer %s", self.group)
                    self._consumer = None

    def handle_message(self, message: Message) -> None:
        try:
            event = Event.decode(message.value)
        except EventFormatError as exc:
            self._dead_letter(message, f"undecodable: {exc}")
            return
        handler = self.handlers.get(event.type)
        if handler is None:
            EVENTS_CONSUMED.labels(self.service, self.group, event.type, "ignored").inc()
            return
        token = set_request_id(event.request_id)
        try:
            failure = ""
            for attempt in range(1, self.max_attempts + 1):
                try:
                    outcome = self._handle_once(event, handler)
                    EVENTS_CONSUMED.labels(self.service, self.group, event.type, outcome).inc()
                    return
                except Exception:
                    failure = traceback.format_exc(limit=5)
                    if self._stop.is_set():
                        raise HandedBack(event.id) from None
                    log.warning(
                        "handling %s %s failed (attempt %d of %d)",
                        event.type,
                        event.id,
                        attempt,
                        self.max_attempts,
                        exc_info=True,
                    )
                    if attempt < self.max_attempts:
                        self._stop.wait(self.backoff_seconds * 2 ** (attempt - 1))
            self._dead_letter(message, failure)
        finally:
            reset_request_id(token)

    def _handle_once(self, event: Event, handler: Handler) -> str:
        try:
            with self.db.session() as session:
                seen = session.execute(
                    select(inbox.c.event_id).where(inbox.c.consumer == self.group, inbox.c.event_id == event.id)
                ).first()
                if seen is not None:
                    return "duplicate"
                handler(session, event)
                session.execute(
                    insert(inbox).values(
                        consumer=self.group, event_id=event.id, event_type=event.type, handled_at=utcnow()
                    )
                )
            return "handled"
        except IntegrityError:
            # Another member handled the same event concurrently; its effects stand, ours rolled back.
            with self.db.session() as session:
                seen = session.execute(
                    select(inbox.c.event_id).where(inbox.c.consumer == self.group, inbox.c.event_id == event.id)
                ).first()
            if seen is not None:
                return "duplicate"
            raise

    def _dead_letter(self, message: Message, reason: str) -> None:
        topic = Topics.dead_letter(message.topic)
        log.error("sending message %s@%s to %s: %s", message.offset, message.topic, topic, reason)
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
