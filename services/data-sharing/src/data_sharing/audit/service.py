"""Appending to the audit log, and listing it (verification: `verification.py`).

An entry is written in its own short transaction, not in the request's: the record of a refused
read must survive the rollback of the refused request, and a read is recorded before its data is
returned. Appends are serialised (a process lock; on PostgreSQL also an advisory lock) so that each
entry links to the one before it; the unique `seq` and `prev_hash` catch anything that slips past,
and the append is retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from data_sharing.audit.chain import GENESIS, entry_hash, entry_link, head_mac
from data_sharing.audit.models import AuditEntry, AuditHead
from data_sharing.audit.verification import verify_chain
from gov_common.auth import Principal
from gov_common.context import current_trace_id
from gov_common.contracts.events import DataRead
from gov_common.db import Database, utcnow
from gov_common.events import Event
from gov_common.messaging import inbox
from gov_common.pagination import PageRequest
from gov_common.tracing import trace_id_of

__all__ = ["ANONYMOUS", "Actor", "AuditLog", "Entry", "list_entries", "verify_chain"]

log = logging.getLogger("data_sharing.audit")
_ADVISORY_LOCK = 4_242_001  # any constant, the same in every replica
_ATTEMPTS = 8


@dataclass(frozen=True)
class Actor:
    sub: str
    kind: str
    name: str
    department: str | None = None
    client_id: str | None = None

    @classmethod
    def of(cls, principal: Principal | None) -> Actor:
        if principal is None:
            return ANONYMOUS
        return cls(
            sub=principal.sub,
            kind=principal.account_type or "unknown",
            name=principal.name,
            department=principal.department,
            client_id=principal.client_id,
        )


ANONYMOUS = Actor(sub="anonymous", kind="anonymous", name="公众查验")


@dataclass(frozen=True)
class Entry:
    """One entry to append; `request_id` None: the current trace's id."""

    actor: Actor
    action: str
    resource: str
    fields: Sequence[str]
    subject: str | None
    purpose: str
    outcome: str = "allowed"
    reason: str | None = None
    request_id: str | None = None


class AuditLog:
    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._key = key
        self._lock = threading.Lock()

    @property
    def key(self) -> bytes:
        return self._key

    def record(
        self,
        *,
        actor: Actor,
        action: str,
        resource: str,
        fields: Sequence[str],
        subject: str | None,
        purpose: str,
        outcome: str = "allowed",
        reason: str | None = None,
    ) -> int:
        """Append one entry in its own transaction; returns its sequence number."""
        entry = Entry(
            actor=actor,
            action=action,
            resource=resource,
            fields=list(fields),
            subject=subject,
            purpose=purpose,
            outcome=outcome,
            reason=reason,
        )
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with self._lock, self._db.session() as session:
                    return self._append_many(session, [entry])
            except (IntegrityError, OperationalError):
                if attempt == _ATTEMPTS:
                    raise
                log.info("audit append raced another writer (attempt %d); retrying", attempt)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    def record_in(
        self,
        session: Session,
        *,
        actor: Actor,
        action: str,
        resource: str,
        fields: Sequence[str],
        subject: str | None,
        purpose: str,
    ) -> int:
        """Append one entry in the caller's transaction (an event handler's: the entry and the event's
        inbox row commit together, so a redelivered event is never recorded twice)."""
        entry = Entry(
            actor=actor, action=action, resource=resource, fields=list(fields), subject=subject, purpose=purpose
        )
        return self.record_many_in(session, [entry])

    def record_many_in(self, session: Session, entries: Sequence[Entry]) -> int:
        """Append `entries`, in their order, in the caller's transaction (a consumer's batch: one lock,
        one read of the chain's end and one INSERT for them all); returns the last sequence number."""
        with self._lock:
            return self._append_many(session, entries)

    def _append_many(self, session: Session, entries: Sequence[Entry]) -> int:
        if not entries:
            raise ValueError("nothing to append")
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        head = session.get(AuditHead, 1)
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.hash, AuditEntry.link).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        seq, prev_hash, prev_link = (last.seq, last.hash, last.link) if last is not None else (0, GENESIS, GENESIS)
        now = utcnow()
        rows: list[AuditEntry] = []
        for spec in entries:
            seq += 1
            actor = spec.actor
            row = AuditEntry(
                seq=seq,
                at=now,
                actor_sub=actor.sub[:100],
                actor_kind=actor.kind[:16],
                actor_name=actor.name[:100],
                actor_department=actor.department,
                client_id=actor.client_id,
                action=spec.action,
                resource=spec.resource,
                fields=list(spec.fields),
                subject=spec.subject,
                purpose=spec.purpose,
                outcome=spec.outcome,
                reason=spec.reason,
                request_id=spec.request_id if spec.request_id is not None else current_trace_id(),
                prev_hash=prev_hash,
                hash="",
                link="",
            )
            row.hash = entry_hash(self._key, prev_hash, row)
            row.link = entry_link(prev_link, row)
            prev_hash, prev_link = row.hash, row.link
            rows.append(row)
        mac = head_mac(self._key, seq, prev_hash)
        session.add_all(rows)
        if head is None:
            session.add(AuditHead(id=1, seq=seq, hash=prev_hash, mac=mac))
        else:
            head.seq, head.hash, head.mac = seq, prev_hash, mac
        session.flush()
        return seq

    def sign_unsigned_head(self) -> bool:
        """Give the head its MAC if it has none: once, on the first start after migration 0004 (the
        head is trusted as it is then; the checkpoint written at the last shutdown covers it)."""
        with self._lock, self._db.session() as session:
            head = session.get(AuditHead, 1)
            if head is None or head.mac is not None:
                return False
            head.mac = head_mac(self._key, head.seq, head.hash)
            log.warning("the audit head (entry %d) had no MAC; signed it as it is", head.seq)
            return True


def list_entries(
    session: Session,
    *,
    page: PageRequest,
    subject: str | None = None,
    resource: str | None = None,
    client_id: str | None = None,
    exclude_actor: str | None = None,
) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    if resource is not None:
        query = query.where(AuditEntry.resource == resource)
    if client_id is not None:
        query = query.where(AuditEntry.client_id == client_id)
    if exclude_actor is not None:
        query = query.where(AuditEntry.actor_sub != exclude_actor)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    entries = session.scalars(query.order_by(AuditEntry.seq.desc()).offset(page.offset).limit(page.page_size)).all()
    return list(entries), total


def _reported_read(event: Event) -> Entry:
    read = DataRead.of(event)
    return Entry(
        actor=Actor(sub=read.reader, kind="client", name=read.reader, client_id=read.reader),
        action="read",
        resource=read.resource,
        fields=list(read.fields),
        subject=event.subject or None,
        purpose=read.purpose or "",
        request_id=trace_id_of(event),
    )


def record_reported_read(session: Session, event: Event, audit: AuditLog, *, handled_by: str | None = None) -> None:
    """A read another service reports of personal data it keeps a copy of (`gov.data.read`: service-management's
    credit read model), recorded as if data-sharing had answered it: the reader is that service's client."""
    record_reported_reads(session, [event], audit, handled_by=handled_by)


def record_reported_reads(
    session: Session, events: Sequence[Event], audit: AuditLog, *, handled_by: str | None = None
) -> None:
    """A consumer batch's reported reads, appended in one go (`AuditLog.record_many_in`), each entry with
    its own event's trace id. `handled_by`: a consumer group that handled these events before (its inbox
    rows say which), whose reads are in the log already and are not appended again."""
    if handled_by is not None and events:
        before = set(session.scalars(_HANDLED_BEFORE, {"consumer": handled_by, "ids": [e.id for e in events]}))
        events = [event for event in events if event.id not in before]
    if events:
        audit.record_many_in(session, [_reported_read(event) for event in events])


# Which of a batch's events a consumer group's inbox holds, built once.
_HANDLED_BEFORE = select(inbox.c.event_id).where(
    inbox.c.consumer == bindparam("consumer"), inbox.c.event_id.in_(bindparam("ids", expanding=True))
)
