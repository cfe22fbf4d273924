"""The warehouse's event handler, run by data-sharing's warehouse consumer (a group of its own) in its
batch transaction (the inbox makes a redelivery a no-op; the facts are idempotent besides)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.warehouse import facts
from data_sharing.warehouse.models import state
from data_sharing.warehouse.pseudonym import Pseudonyms
from gov_common.events import Event
from gov_common.messaging import BatchHandler


def slots(session: Session, *, lock: bool = False) -> tuple[int, int | None]:
    """(live slot, slot being rebuilt or None)."""
    query = select(state.c.live_slot, state.c.building_slot).where(state.c.id == 1)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).first()
    if row is None:
        return 0, None
    return int(row.live_slot), (int(row.building_slot) if row.building_slot is not None else None)


def record(session: Session, event: Event, pseudonyms: Pseudonyms) -> None:
    """One event (a batch of one)."""
    record_batch(session, [event], pseudonyms)


def record_batch(session: Session, events: Sequence[Event], pseudonyms: Pseudonyms) -> None:
    """Into the live slot, and into the slot a rebuild fills (the rebuild reads only what was on the
    topics when it began: what comes later reaches the new slot through here). The events of a poll
    batch together: folded per case, one write per table (facts.apply_batch)."""
    live, building = slots(session)
    facts.apply_batch(session, events, live, pseudonyms)
    if building is not None:
        facts.apply_batch(session, events, building, pseudonyms)


def make_handler(pseudonyms: Pseudonyms) -> BatchHandler:
    """The warehouse's handler: a poll batch's events in one call, event by event if that fails."""
    return BatchHandler(
        handle=lambda session, event: record(session, event, pseudonyms),
        handle_batch=lambda session, events: record_batch(session, events, pseudonyms),
    )


def make_handlers(pseudonyms: Pseudonyms) -> dict[str, BatchHandler]:
    """Every event type the warehouse takes, to one `BatchHandler` (the consumer batches only events
    that share one handler object)."""
    return dict.fromkeys(facts.HANDLED, make_handler(pseudonyms))
