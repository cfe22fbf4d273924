"""The gateway's event handlers: each case or licence event that concerns an applicant becomes one
notification in that applicant's inbox. Run by the gateway's EventConsumer (consumer group
`portal-gateway`), whose inbox skips an event already handled; the notification's unique event id
keeps a replayed event from making a second one even past the inbox."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gov_common.db import dialect_insert, utcnow
from gov_common.events import Event, EventTypes, Topics
from gov_common.messaging import BatchHandler, Handler
from portal_gateway.notifications import texts
from portal_gateway.notifications.models import Notification

log = logging.getLogger("portal_gateway.notifications")

TOPICS = [Topics.CASE, Topics.LICENSE]
_LICENSE_EVENTS = {
    EventTypes.LICENSE_ISSUED,
    EventTypes.LICENSE_REVOKED,
    EventTypes.LICENSE_CANCELLED,
    EventTypes.LICENSE_EXPIRED,
    EventTypes.LICENSE_EXPIRING,
}


@dataclass(frozen=True)
class Recipient:
    type: str  # person or entity
    id_number: str  # resident ID number or unified social credit code


def recipient_of(event_type: str, data: Mapping[str, Any]) -> Recipient | None:
    """Whom the event concerns: a case's applicant, or a licence's holder."""
    if event_type in _LICENSE_EVENTS:
        number = data.get("holder_id_number")
        kind = data.get("holder_type") or "person"
    else:
        applicant = data.get("applicant")
        if not isinstance(applicant, Mapping):
            return None
        number = applicant.get("uscc") or applicant.get("id_number")
        kind = applicant.get("type") or ("entity" if applicant.get("uscc") else "person")
    if not isinstance(number, str) or kind not in ("person", "entity"):
        return None
    number = number.strip().upper()
    if not number or len(number) > 18:  # both identities have 18 characters
        return None
    return Recipient(type=kind, id_number=number)


def _row(event: Event) -> dict[str, Any] | None:
    """The notification an event makes, as a row of `notifications`; None when it names nobody."""
    text = texts.compose(event.type, event.data)
    recipient = recipient_of(event.type, event.data)
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
    """The notifications of a poll batch's events in one INSERT ... ON CONFLICT (event_id) DO NOTHING:
    an event that made its notification already (a replay past the inbox) makes no second one."""
    rows = [row for row in map(_row, events) if row is not None]
    if not rows:
        return
    session.execute(
        dialect_insert(session, Notification.__table__).values(rows).on_conflict_do_nothing(index_elements=["event_id"])
    )
    log.info("%d notifications (%s)", len(rows), ", ".join(sorted({row["kind"] for row in rows})))


def record(session: Session, event: Event) -> None:
    """One event's notification (a batch of one): retries, replays, a batch that failed as a whole."""
    record_batch(session, [event])


def make_handlers() -> dict[str, Handler]:
    handler = BatchHandler(record, record_batch)
    return dict.fromkeys(texts.COMPOSERS, handler)
