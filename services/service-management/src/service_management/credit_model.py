"""service-management's read model of data-sharing's credit lists (社会信用信息库), fed by gov.credit.v1
(docs/data-sharing.md, "The credit feed"; docs/service-management.md, "Credit status").

- `CreditFeed` (a thread of the event worker) reads gov.credit.v1 from its beginning at every start
  (a broadcast reader: the compacted topic holds the newest fact of every subject) and keeps following
  it. A subject's fact replaces the stored one only when its `version` is higher, so redelivery,
  re-reading at start and two workers writing at once change nothing.
- Data-sharing publishes a heartbeat every few seconds. The feed stores a heartbeat's time only once
  it has read the topic to the end as it was when it started (caught up): `heartbeat_at` then says
  "the model holds every change data-sharing published until then".
- `LocalCredit.read` answers a subject's status from the model, in the caller's session, and records
  the read (`credit_reads`: who, for what, when, what was answered) — the audit of credit reads,
  which data-sharing kept per look-up before. No heartbeat yet (a new or rebuilt service-management
  still reading the topic) or none for `max_age` seconds (data-sharing, its relay or Kafka down, or the
  feed lagging) is "unavailable": no fact about the applicant, so an instant-approval check refuses
  to decide (503 credit_unavailable with Retry-After, rules/service.py), as when data-sharing was
  asked per case and did not answer. An outage or a lag never changes a decision.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import Histogram
from pydantic import ValidationError
from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, insert, select, update
from sqlalchemy.orm import Session

from gov_common.bus.base import Bus, Message
from gov_common.bus.follower import TopicFollower
from gov_common.context import current_trace_id
from gov_common.contracts.events import CreditFact, DataRead, refusal
from gov_common.db import Database, UTCDateTime, dialect_insert, utcnow
from gov_common.events import Event, EventFormatError, EventTypes, Topics
from service_management.events import emit_event
from service_management.models import Base
from service_management.rules.credit import CreditStatus

log = logging.getLogger("service_management.credit")
SHANGHAI = ZoneInfo("Asia/Shanghai")

CREDIT_FEED_LAG = Histogram(
    "gov_credit_feed_lag_seconds",
    "From a credit fact or heartbeat published by data-sharing to its application in service-management's read model",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)

credit_subjects = Table(
    "credit_subjects",
    Base.metadata,
    Column("subject", String(18), primary_key=True),
    Column("subject_type", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("records", JSON, nullable=False),
    Column("applied_at", UTCDateTime(), nullable=False),
)
credit_feed = Table(
    "credit_feed",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("heartbeat_at", UTCDateTime(), nullable=True),
)
credit_reads = Table(
    "credit_reads",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("subject", String(18), nullable=False),
    Column("purpose", String(120), nullable=False),
    Column("actor", String(100), nullable=True),
    Column("request_id", String(64), nullable=True),
    Column("version", Integer, nullable=True),
    Column("black_listed", Boolean, nullable=False),
    Column("red_listed", Boolean, nullable=False),
)


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def in_force(record: dict[str, Any], day: dt.date) -> bool:
    start, end = _day(record.get("valid_from")), _day(record.get("valid_until"))
    return start is not None and start <= day and (end is None or day <= end)


# The catalogue's resource and the fields a status answer is made of (data-sharing's catalogue/builtin.py).
CREDIT_RESOURCE = "credit"
CREDIT_FIELDS = ("subject", "black_listed", "red_listed", "records")


class LocalCredit:
    """The CreditLookup of service-management: its read model (see the module's docstring)."""

    def __init__(
        self, db: Database | None = None, *, max_age_seconds: float, reader: str = "service-management"
    ) -> None:
        self.db = db
        self.max_age = dt.timedelta(seconds=max_age_seconds)
        self.reader = reader  # this service's client id: who read, in data-sharing's audit log

    def read(
        self, session: Session, subject: str, *, purpose: str, actor: str | None, now: dt.datetime | None = None
    ) -> CreditStatus:
        """The subject's status, in `session`'s transaction, recorded in `credit_reads` when it says
        anything about the subject: two statements, committed by the caller with its unit of work."""
        if not subject:
            return CreditStatus(known=False, detail="申请人没有可查询的证件号码")
        now = now or utcnow()
        # One statement: the feed's heartbeat and the subject's facts (none: on no list).
        known = credit_feed.outerjoin(credit_subjects, credit_subjects.c.subject == subject)
        row = session.execute(
            select(credit_feed.c.heartbeat_at, credit_subjects.c.version, credit_subjects.c.records)
            .select_from(known)
            .where(credit_feed.c.id == 1)
        ).one()
        heartbeat_at = row.heartbeat_at
        if heartbeat_at is None:
            return CreditStatus(known=False, unavailable=True, detail="正在从数据共享服务读取信用名单")
        if now - heartbeat_at > self.max_age:
            age = int((now - heartbeat_at).total_seconds())
            return CreditStatus(known=False, unavailable=True, detail=f"已有 {age} 秒未收到数据共享服务的信用名单更新")
        day = now.astimezone(SHANGHAI).date()
        records = tuple(r for r in (row.records or []) if isinstance(r, dict) and in_force(r, day))
        status = CreditStatus(
            known=True,
            black_listed=any(r.get("list") == "black" for r in records),
            red_listed=any(r.get("list") == "red" for r in records),
            records=records,
        )
        session.execute(
            insert(credit_reads).values(
                at=now,
                subject=subject,
                purpose=purpose[:120],
                actor=actor[:100] if actor else None,
                request_id=current_trace_id(),
                version=row.version,
                black_listed=status.black_listed,
                red_listed=status.red_listed,
            )
        )
        # The person sees this read where they see every other read of their data: data-sharing's audit
        # log, as when data-sharing answered the look-up itself (an event of the same transaction).
        read = DataRead(
            resource=CREDIT_RESOURCE, fields=list(CREDIT_FIELDS), purpose=purpose[:500], reader=self.reader, read_at=now
        )
        emit_event(session, read, subject=subject)
        return status

    def status(self, subject: str) -> CreditStatus:
        """In a transaction of its own (for a caller without a session)."""
        if self.db is None:
            return CreditStatus(known=False, detail="信用名单没有可用的数据库")
        with self.db.session() as session:
            return self.read(session, subject, purpose="status", actor=None)  # committed on leaving


def apply(session: Session, events: Sequence[Event], *, caught_up: bool) -> int:
    """Take in the facts of `events` (the newest version of each subject wins); a heartbeat's time is
    stored only when `caught_up`. How many subjects' facts were newer than the stored ones."""
    newest: dict[str, CreditFact] = {}
    heartbeat: dt.datetime | None = None
    for event in events:
        if event.type == EventTypes.CREDIT_HEARTBEAT:
            heartbeat = event.time if heartbeat is None else max(heartbeat, event.time)
            continue
        if event.type != EventTypes.CREDIT_STATUS:
            log.warning("event %s on %s is no credit fact (%s); skipped", event.id, Topics.CREDIT, event.type)
            continue
        try:
            fact = CreditFact.of(event)
        except ValidationError as exc:
            log.warning("credit fact %s on %s does not fit (%s); skipped", event.id, Topics.CREDIT, refusal(exc))
            continue
        held = newest.get(fact.subject)
        if held is None or held.version < fact.version:
            newest[fact.subject] = fact
    changed = 0
    now = utcnow()
    for subject, fact in newest.items():
        values = {
            "subject": subject,
            "subject_type": fact.subject_type,
            "version": fact.version,
            "records": [r.model_dump(mode="json") for r in fact.records],
            "applied_at": now,
        }
        stmt = dialect_insert(session, credit_subjects).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[credit_subjects.c.subject],
            set_={k: stmt.excluded[k] for k in ("subject_type", "version", "records", "applied_at")},
            where=credit_subjects.c.version < stmt.excluded.version,
        )
        changed += session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]
    if heartbeat is not None and caught_up:
        session.execute(
            update(credit_feed)
            .where(credit_feed.c.id == 1)
            .where((credit_feed.c.heartbeat_at.is_(None)) | (credit_feed.c.heartbeat_at < heartbeat))
            .values(heartbeat_at=heartbeat)
        )
    return changed


class CreditFeed(TopicFollower):
    """A thread that reads gov.credit.v1 into the read model (see the module's docstring); on a
    failure it opens a new reader, which reads from the beginning again (facts are idempotent)."""

    def __init__(self, *, bus: Bus, db: Database, poll_seconds: float = 0.5) -> None:
        super().__init__(
            bus=bus, topic=Topics.CREDIT, thread_name="service-management-credit-feed", poll_seconds=poll_seconds
        )
        self.db = db
        self.caught_up = threading.Event()  # this thread has read the topic to its end once
        self.vouched = threading.Event()  # and has stored a heartbeat since: the model may be used

    def wait_vouched(self, timeout: float) -> bool:
        return self.vouched.wait(timeout)

    def on_caught_up(self) -> None:
        log.info("the credit lists are read from %s", Topics.CREDIT)
        self.caught_up.set()

    def handle(self, messages: Sequence[Message], *, caught_up: bool) -> None:
        events = []
        for message in messages:
            try:
                events.append(Event.decode(message.value))
            except EventFormatError:
                log.warning("a message on %s is not an event; skipped", Topics.CREDIT)
        if not events:
            return
        with self.db.session() as session:
            apply(session, events, caught_up=caught_up)
        if caught_up and any(e.type == EventTypes.CREDIT_HEARTBEAT for e in events):
            self.vouched.set()
        if caught_up:
            now = utcnow()
            for event in events:
                CREDIT_FEED_LAG.observe(max(0.0, (now - event.time).total_seconds()))


class EverRead:
    """Readiness: the credit lists have been read into this database once (a heartbeat stored after
    catching up). Stays true after: a later outage makes instant approvals wait, not the service."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._read = False

    def __call__(self) -> dict[str, bool]:
        if not self._read:
            try:
                with self.db.session() as session:
                    at = session.execute(select(credit_feed.c.heartbeat_at).where(credit_feed.c.id == 1)).scalar()
                self._read = at is not None
            except Exception:
                log.warning("the credit read model's state could not be read", exc_info=True)
        return {"credit": self._read}
