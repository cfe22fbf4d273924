"""Reminders before a held licence expires (到期提醒).

Service-management keeps, from the licence library's events, which licences each applicant holds
and until when (`held_licenses`). The periodic job that runs the supervision scan also runs
`remind`: for each valid licence within the largest threshold of its end it sends the reminder of
the nearest threshold crossed (90, 30 or 7 days before), once — the unique (licence, threshold) row
written in the same transaction as the event makes a second run, or a replica's run, send nothing.
A licence that enters within 30 days of its end gets the 30-day reminder only, never 90 and 30 at
once. The event (`gov.license.expiring`) reaches the holder's inbox at the gateway, naming the item
to apply for to renew it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common.contracts.events import (
    ItemRef,
    LicenseCancelled,
    LicenseExpired,
    LicenseExpiring,
    LicenseIssued,
    LicenseRevoked,
)
from gov_common.db import dialect_insert, utcnow
from gov_common.events import Event, EventTypes
from gov_common.messaging import BatchHandler, Handler
from service_management.catalogue.service import ItemStatus
from service_management.events import emit_event
from service_management.models import ExpiryReminder, HeldLicense, Item, PersonalOptOut

log = logging.getLogger("service_management.personal")
THRESHOLDS = (90, 30, 7)  # days before the end of the period
EXPIRY_REMINDER = "expiry_reminder"
_ENDED = {
    EventTypes.LICENSE_REVOKED: "revoked",
    EventTypes.LICENSE_CANCELLED: "cancelled",
    EventTypes.LICENSE_EXPIRED: "expired",
}
LICENSE_ENDED: dict[str, type[LicenseRevoked | LicenseCancelled | LicenseExpired]] = {
    m.TYPE: m for m in (LicenseRevoked, LicenseCancelled, LicenseExpired)
}


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def record_issued(session: Session, event: Event) -> None:
    """A licence entered the library: remember its holder and its end (long-term: no end, no reminder)."""
    record_issued_many(session, [event])


def record_issued_many(session: Session, events: Sequence[Event]) -> None:
    """`record_issued` for a gathered batch of licence events, in one statement (the last event of a licence
    wins, as one after the other would)."""
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        issued = LicenseIssued.of(event)
        if not issued.holder_id_number:
            continue  # an event from before the holder travelled with it: nobody to remind
        rows[issued.license_no] = {
            "license_no": issued.license_no,
            "status": "valid",
            "license_type": (issued.license_type or "")[:64],
            "license_name": (issued.license_name or "")[:100],
            "holder_type": issued.holder_type or "person",
            "holder_id_number": issued.holder_id_number.strip().upper()[:18],
            "valid_until": _aware(issued.valid_until),
            "updated_at": now,
        }
    if rows:
        session.execute(_upsert_held(session), list(rows.values()))


# What a licence told again changes of a held licence (never its status: a revoked one stays revoked).
_UPDATED = ("license_type", "license_name", "holder_type", "holder_id_number", "valid_until", "updated_at")


_upserts: dict[str, Any] = {}


def _upsert_held(session: Session) -> Any:
    """One statement, built once per dialect and executed with each licence's values: a new licence is
    valid; a known one (an event told again) takes the new values of `_UPDATED` but keeps its status."""
    dialect = session.get_bind().dialect.name
    statement = _upserts.get(dialect)
    if statement is None:
        insert = dialect_insert(session, HeldLicense)
        statement = _upserts[dialect] = insert.on_conflict_do_update(
            index_elements=["license_no"], set_={name: insert.excluded[name] for name in _UPDATED}
        )
    return statement


def record_ended(session: Session, event: Event) -> None:
    """Revoked, cancelled or expired: no reminder any more."""
    held = session.get(HeldLicense, LICENSE_ENDED[event.type].of(event).license_no)
    if held is not None:
        held.status = _ENDED[event.type]
        held.updated_at = utcnow()


def handlers() -> dict[str, Handler]:
    """The held-licence projection's handlers, for its own consumer group (settings.held_licences_consumer_group):
    each effect is keyed by the licence's number, so an event handled again changes nothing and a gathered
    batch of issued licences needs no inbox rows (BatchHandler.idempotent)."""
    issued = BatchHandler(record_issued, record_issued_many, idempotent=True)
    return {EventTypes.LICENSE_ISSUED: issued, **dict.fromkeys(_ENDED, record_ended)}


def renewal_item(session: Session, license_type: str) -> Item | None:
    """The published item that issues this type of licence (a renewal item, 延续/换证, first)."""
    items = session.scalars(
        select(Item).where(Item.license_type == license_type, Item.status == ItemStatus.PUBLISHED).order_by(Item.code)
    ).all()
    renewals = [i for i in items if any(word in i.name for word in ("延续", "换证", "换发"))]
    candidates = renewals or list(items)
    return candidates[0] if candidates else None


def _threshold(days_left: float) -> int | None:
    crossed = [t for t in THRESHOLDS if days_left <= t]
    return min(crossed) if crossed else None


@dataclass(frozen=True)
class ReminderResult:
    sent: int = 0


def remind(session: Session, *, now: dt.datetime) -> ReminderResult:
    """Send the reminders now due; running it again (here or on a replica) sends nothing more."""
    horizon = now + dt.timedelta(days=max(THRESHOLDS))
    opted_out = select(PersonalOptOut.applicant_id_number).where(PersonalOptOut.kind == EXPIRY_REMINDER)
    due = session.scalars(
        select(HeldLicense)
        .where(
            HeldLicense.status == "valid",
            HeldLicense.valid_until.is_not(None),
            HeldLicense.valid_until > now,
            HeldLicense.valid_until <= horizon,
            HeldLicense.holder_id_number.not_in(opted_out),
        )
        .order_by(HeldLicense.valid_until)
    ).all()
    sent = 0
    for held in due:
        assert held.valid_until is not None
        threshold = _threshold((held.valid_until - now).total_seconds() / 86400)
        if threshold is None:
            continue
        item = renewal_item(session, held.license_type)
        reminder = ExpiryReminder(
            license_no=held.license_no,
            threshold_days=threshold,
            holder_id_number=held.holder_id_number,
            renewal_item_code=item.code if item else None,
            sent_at=now,
        )
        try:
            with session.begin_nested():
                session.add(reminder)
                session.flush()
        except IntegrityError:
            continue  # sent before, by an earlier run or another replica
        days_left = (held.valid_until - now).days
        emit_event(
            session,
            LicenseExpiring(
                license_no=held.license_no,
                license_type=held.license_type,
                license_name=held.license_name,
                holder_type="entity" if held.holder_type == "entity" else "person",
                holder_id_number=held.holder_id_number,
                valid_until=held.valid_until,
                threshold_days=threshold,
                days_left=days_left,
                renewal_item=ItemRef(code=item.code, name=item.name) if item else None,
            ),
            subject=held.license_no,
        )
        sent += 1
        log.info("licence %s: expiry reminder at %s days sent", held.license_no, threshold)
    return ReminderResult(sent=sent)
