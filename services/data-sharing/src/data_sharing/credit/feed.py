"""The credit feed (docs/data-sharing.md, "The credit feed"): every change of a subject's red- or
black-list records publishes, through the outbox in the same transaction, the subject's records now
on the compacted topic gov.credit.v1 keyed by subject. service-management keeps a read model of it
and decides instant approvals from it instead of asking data-sharing per case.

- `publish_subject` is called by every write of `credit_records` (credit/service.py); the event
  carries the subject's `version`, one more than the last, so a consumer keeps the newest fact
  whatever the order and the number of deliveries.
- `backfill` (at every start) publishes the subjects never published (records written before the
  feed existed, or by the demo seed); `republish_all` (POST /api/v1/credit/feed/republish) publishes
  every subject again, for a topic that was lost: compaction keeps the newest fact per subject, so a
  new or rebuilt service-management reads the whole list from the topic's beginning.
- `Heartbeat`: every process publishes a heartbeat through the same outbox every few seconds. A
  read model that has read the topic to its end and seen a recent heartbeat holds every change
  data-sharing made until a moment ago; without a recent one (data-sharing, its relay or Kafka down,
  or the model lagging) service-management refuses to decide rather than deciding on an old list.
"""

from __future__ import annotations

import logging
import threading
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.credit.models import CreditRecord, CreditSubject
from gov_common.contracts.events import CreditFact, CreditHeartbeat, CreditRecordFact
from gov_common.db import Database, insert_unless_present, utcnow
from gov_common.events import Event, Topics
from gov_common.messaging import emit

log = logging.getLogger("data_sharing.credit")
SOURCE = "/data-sharing"
HEARTBEAT_KEY = "~heartbeat"  # never a subject (a resident ID number or a USCC)


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _event(subject: str, subject_type: str, version: int, records: list[CreditRecord]) -> Event:
    fact = CreditFact(
        subject=subject,
        subject_type=subject_type,
        version=version,
        # Only what the decision needs: the list, who entered it and its period (no reason).
        records=[
            CreditRecordFact(
                id=r.id,
                list=r.list,
                source_department=r.source_department,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
            )
            for r in records
        ],
    )
    return fact.to_event(source=SOURCE, subject=subject)


def _current(session: Session, subject: str) -> tuple[str, list[CreditRecord]]:
    day = utcnow().astimezone(SHANGHAI).date()
    rows = list(session.scalars(select(CreditRecord).where(CreditRecord.subject == subject).order_by(CreditRecord.id)))
    subject_type = rows[0].subject_type if rows else "person"
    return subject_type, [r for r in rows if r.current(day)]


def publish_subject(session: Session, subject: str) -> int:
    """Publish the subject's records now, with its next version (in the caller's transaction). The
    subject's row is locked, so concurrent changes of one subject get distinct, ordered versions."""
    session.flush()
    insert_unless_present(
        session, CreditSubject, {"subject": subject, "version": 0, "changed_at": utcnow()}, key=["subject"]
    )
    state = session.get_one(CreditSubject, subject, with_for_update=True, populate_existing=True)
    state.version += 1
    state.changed_at = utcnow()
    session.flush()
    subject_type, records = _current(session, subject)
    emit(session, Topics.CREDIT, _event(subject, subject_type, state.version, records))
    return state.version


def backfill(session: Session) -> int:
    """Publish every subject with records that was never published; how many."""
    published = select(CreditSubject.subject)
    subjects = list(
        session.scalars(select(CreditRecord.subject).where(CreditRecord.subject.not_in(published)).distinct())
    )
    for subject in subjects:
        publish_subject(session, subject)
    if subjects:
        log.info("credit feed: published %d subjects never published before", len(subjects))
    return len(subjects)


def republish_all(session: Session) -> int:
    """Publish every subject again at its current version (a consumer that has it changes nothing)."""
    backfill(session)
    count = 0
    for state in session.scalars(select(CreditSubject).order_by(CreditSubject.subject)):
        subject_type, records = _current(session, state.subject)
        emit(session, Topics.CREDIT, _event(state.subject, subject_type, state.version, records))
        count += 1
    return count


def heartbeat_event() -> Event:
    return CreditHeartbeat().to_event(source=SOURCE, subject=HEARTBEAT_KEY)


class Heartbeat:
    """A thread that emits the feed's heartbeat every `interval` seconds (a failure waits for the next)."""

    def __init__(self, db: Database, *, interval: float) -> None:
        self.db = db
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        with self.db.session() as session:
            emit(session, Topics.CREDIT, heartbeat_event())

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="data-sharing-credit-heartbeat", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
            except Exception:
                log.warning("credit feed heartbeat not written; trying again", exc_info=True)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
