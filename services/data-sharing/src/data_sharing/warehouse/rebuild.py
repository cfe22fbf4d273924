"""The warehouse rebuilt from zero: the other slot emptied, the topics read again from their beginning
(a reader outside any consumer group, on Kafka as on the standalone bus) into it, then one switch.

While it runs, the live consumer keeps the live slot current and writes what it handles into the new
slot too; the rebuild reads what was on the topics when it began. Every fact is idempotent, so an
event reaching the new slot both ways counts once. No transaction stays open while the bus is read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from data_sharing.warehouse import facts
from data_sharing.warehouse.handlers import slots
from data_sharing.warehouse.models import state
from data_sharing.warehouse.pseudonym import Pseudonyms
from data_sharing.warehouse.upsert import insert_ignore
from gov_common.bus import Bus, Message
from gov_common.bus.base import TopicMissing
from gov_common.contracts.events import TypedEvent, parse, refusal
from gov_common.db import Database, utcnow
from gov_common.events import Event, EventFormatError, Topics

log = logging.getLogger("data_sharing.warehouse.rebuild")
TOPICS = (Topics.CASE, Topics.LICENSE)


class RebuildRunning(RuntimeError):
    """Another rebuild is filling the other slot."""


@dataclass(frozen=True)
class Rebuilt:
    slot: int
    events: int
    seconds: float


def _begin(db: Database, *, force: bool) -> int:
    with db.session() as session:
        insert_ignore(session, state, [{"id": 1, "live_slot": 0, "building_slot": None}], key=["id"])
        live, building = slots(session, lock=True)
        if building is not None and not force:
            raise RebuildRunning(f"slot {building} is being rebuilt already (--force takes it over)")
        target = 1 - live
        session.execute(update(state).where(state.c.id == 1).values(building_slot=target))
        facts.clear_slot(session, target)
    return target


def _apply(db: Database, events: Sequence[Event], slot: int, pseudonyms: Pseudonyms) -> None:
    for attempt in range(1, 11):
        try:
            with db.session() as session:
                facts.apply_batch(session, events, slot, pseudonyms)
            return
        except OperationalError:  # a deadlock with the live consumer, a lost connection: again
            if attempt == 10:
                raise
            log.warning("warehouse rebuild: a batch failed (attempt %d); again", attempt, exc_info=True)
            time.sleep(min(0.1 * 2**attempt, 5.0))


def _decode(messages: list[Message]) -> list[Event]:
    events = []
    for message in messages:
        if message.headers.get("ce_type") not in (None, *facts.HANDLED):
            continue
        try:
            event = Event.decode(message.value)
        except EventFormatError:
            continue
        if event.type not in facts.HANDLED:
            continue
        try:
            data = parse(event)
        except ValidationError as exc:  # refused by the live consumer too (dead-lettered): not a fact
            log.warning("warehouse rebuild: %s %s skipped: %s", event.type, event.id, refusal(exc))
            continue
        events.append(event if data is None else TypedEvent.carrying(event, data))
    return events


def rebuild(
    db: Database,
    bus: Bus,
    *,
    pseudonyms: Pseudonyms,
    topics: Sequence[str] = TOPICS,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Rebuilt:
    started = time.monotonic()
    slot = _begin(db, force=force)
    count = 0
    for topic in topics:
        try:
            reader = bus.broadcast_reader(topic, wait_for_topic=5.0)
        except TopicMissing:
            continue
        try:
            while not reader.caught_up():
                events = _decode(reader.poll(1.0))
                if events:
                    _apply(db, events, slot, pseudonyms)
                    count += len(events)
                    if progress:
                        progress(count)
        finally:
            reader.close()
    with db.session() as session:
        live, building = slots(session, lock=True)
        if building != slot:
            raise RebuildRunning(f"slot {slot} was taken over by another rebuild")
        session.execute(
            update(state).where(state.c.id == 1).values(live_slot=slot, building_slot=None, rebuilt_at=utcnow())
        )
    with db.session() as session:  # the old slot's rows are of no use any more
        facts.clear_slot(session, live)
    seconds = time.monotonic() - started
    log.info("warehouse rebuilt into slot %d from %d events in %.1f s", slot, count, seconds)
    return Rebuilt(slot=slot, events=count, seconds=seconds)
