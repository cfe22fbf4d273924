"""Appending to the audit log, verifying its chain, and listing it.

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

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from data_sharing.audit.chain import GENESIS, entry_hash
from data_sharing.audit.models import AuditEntry, AuditHead
from data_sharing.audit.schemas import ChainProblem, ChainVerification
from gov_common.auth import Principal
from gov_common.context import get_request_id
from gov_common.db import Database, utcnow
from gov_common.pagination import PageRequest

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
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with self._lock, self._db.session() as session:
                    return self._append(
                        session,
                        actor=actor,
                        action=action,
                        resource=resource,
                        fields=list(fields),
                        subject=subject,
                        purpose=purpose,
                        outcome=outcome,
                        reason=reason,
                    )
            except (IntegrityError, OperationalError):
                if attempt == _ATTEMPTS:
                    raise
                log.info("audit append raced another writer (attempt %d); retrying", attempt)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    def _append(
        self,
        session: Session,
        *,
        actor: Actor,
        action: str,
        resource: str,
        fields: list[str],
        subject: str | None,
        purpose: str,
        outcome: str,
        reason: str | None,
    ) -> int:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        head = session.get(AuditHead, 1)
        last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
        seq, prev_hash = (last.seq + 1, last.hash) if last is not None else (1, GENESIS)
        entry = AuditEntry(
            seq=seq,
            at=utcnow(),
            actor_sub=actor.sub[:100],
            actor_kind=actor.kind[:16],
            actor_name=actor.name[:100],
            actor_department=actor.department,
            client_id=actor.client_id,
            action=action,
            resource=resource,
            fields=fields,
            subject=subject,
            purpose=purpose,
            outcome=outcome,
            reason=reason,
            request_id=get_request_id(),
            prev_hash=prev_hash,
            hash="",
        )
        entry.hash = entry_hash(self._key, prev_hash, entry)
        session.add(entry)
        if head is None:
            session.add(AuditHead(id=1, seq=seq, hash=entry.hash))
        else:
            head.seq, head.hash = seq, entry.hash
        session.flush()
        return seq


def verify_chain(session: Session, *, key: bytes) -> ChainVerification:
    """Walk the chain from the first entry; name the first entry altered or removed."""
    expected, prev, checked = 1, GENESIS, 0

    def broken(seq: int, problem: str, detail: str) -> ChainVerification:
        return ChainVerification(
            valid=False,
            entries_checked=checked,
            head_seq=head.seq if head is not None else None,
            first_invalid=ChainProblem(seq=seq, problem=problem, detail=detail),
        )

    head = session.get(AuditHead, 1)
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)):
        if entry.seq != expected:
            return broken(expected, "removed", f"entry {expected} is missing (the next entry is {entry.seq})")
        if entry.prev_hash != prev:
            return broken(entry.seq, "relinked", f"entry {entry.seq} does not link to entry {entry.seq - 1}")
        if entry_hash(key, entry.prev_hash, entry) != entry.hash:
            return broken(entry.seq, "altered", f"entry {entry.seq} was changed after it was written")
        prev, expected, checked = entry.hash, expected + 1, checked + 1
    if head is None:
        if checked:
            return broken(checked, "removed", "the record of the chain's last entry is missing")
    elif head.seq >= expected:
        return broken(expected, "removed", f"entries {expected} to {head.seq} were removed from the end")
    elif head.seq != checked or head.hash != prev:
        return broken(head.seq, "altered", f"entry {head.seq} is not the entry the chain ended with")
    return ChainVerification(
        valid=True, entries_checked=checked, head_seq=head.seq if head else None, first_invalid=None
    )


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
