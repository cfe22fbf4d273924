"""The gateway's event handlers: each case or licence event that concerns an applicant becomes one
notification in that applicant's inbox. Run by the gateway's EventConsumer (consumer group
`portal-gateway`), whose inbox skips an event already handled; the notification's unique event id
keeps a replayed event from making a second one even past the inbox."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gov_common.contracts.events import EVENT_MODELS, CaseParties, EventData, LicenseEvent
from gov_common.db import dialect_insert, utcnow
from gov_common.events import Event, Topics
from gov_common.messaging import BatchHandler, Handler
from portal_gateway.notifications import texts
from portal_gateway.notifications.models import Notification

log = logging.getLogger("portal_gateway.notifications")

TOPICS = [Topics.CASE, Topics.LICENSE]


@dataclass(frozen=True)
class Recipient:
    type: str  # person or entity
    id_number: str  # resident ID number or unified social credit code


def recipient_of(data: EventData) -> Recipient | None:
    """Whom the event concerns: a case's applicant, or a licence's holder."""
    if isinstance(data, LicenseEvent):
        number, kind = data.holder_id_number, data.holder_type or "person"
    elif isinstance(data, CaseParties) and data.applicant is not None:
        number, kind = data.applicant.number, data.applicant.type
    else:
        return None
    number = (number or "").strip().upper()
    if not number or len(number) > 18:  # both identities have 18 characters
        return None
    return Recipient(type=kind, id_number=number)


def _row(event: Event) -> dict[str, Any] | None:
    """The notification an event makes, as a row of `notifications`; None when it names nobody."""
    data = EVENT_MODELS[event.type].of(event)
    text = texts.compose(data)
    recipient = recipient_of(data)
    if text is None or recipient is None:
        # An event from before the applicant's identity travelled with it: nobody to notify.
        log.warning("event %s (%s of %s) names no applicant; no notification", event.id, event.type, event.subject)
        return None
    return {
        "event_id": event.id,
        "event_type": event.type,
        "recipient_type": recipient.type,
        "recipient_id_number": recipient.id_number,
        "kind": text.kind,
        "title": text.title[:200],
        "body": text.body,
        "case_no": (text.case_no or None) and text.case_no[:32],
        "license_no": (text.license_no or None) and text.license_no[:64],
        "item_code": (text.item_code or None) and text.item_code[:64],
        "occurred_at": event.time if event.time.tzinfo else event.time.replace(tzinfo=dt.UTC),
        "created_at": utcnow(),
    }


def record_batch(session: Session, events: Sequence[Event]) -> None:
    """The notifications of a poll batch's events by one INSERT ... ON CONFLICT (event_id) DO NOTHING
    with the rows as its parameters (one round trip on PostgreSQL, and one compiled statement for
    every batch, where rows inlined with `.values(rows)` made a new statement to compile per batch
    size): an event that made its notification already (a replay past the inbox) makes no second one."""
    rows = [row for row in map(_row, events) if row is not None]
    if not rows:
        return
    session.execute(
        dialect_insert(session, Notification.__table__).on_conflict_do_nothing(index_elements=["event_id"]), rows
    )
    log.info("%d notifications (%s)", len(rows), ", ".join(sorted({row["kind"] for row in rows})))


def record(session: Session, event: Event) -> None:
    """One event's notification (a batch of one): retries, replays, a batch that failed as a whole."""
    record_batch(session, [event])


def make_handlers() -> dict[str, Handler]:
    # Idempotent by the notification's unique event id: no inbox read or rows for its batches.
    handler = BatchHandler(record, record_batch, idempotent=True)
    return dict.fromkeys(texts.COMPOSERS, handler)
