"""The warehouse's event handlers, run by data-sharing's consumer in its batch transaction (the inbox
makes a redelivery a no-op; the facts are idempotent besides)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.warehouse import facts
from data_sharing.warehouse.models import state
from data_sharing.warehouse.pseudonym import Pseudonyms
from gov_common.events import Event


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
    """Into the live slot, and into the slot a rebuild fills (the rebuild reads only what was on the
    topics when it began: what comes later reaches the new slot through here)."""
    live, building = slots(session)
    facts.apply(session, event, live, pseudonyms)
    if building is not None:
        facts.apply(session, event, building, pseudonyms)


def make_handlers(pseudonyms: Pseudonyms) -> dict[str, Callable[[Session, Event], None]]:
    def handle(session: Session, event: Event) -> None:
        record(session, event, pseudonyms)

    return dict.fromkeys(facts.HANDLED, handle)
