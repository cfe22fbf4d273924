"""What applicants file next ("you may also need", docs/warehouse.md): for each applicant key the first
filing of each item, and for each pair of items the number of distinct applicants who first filed the
second after first filing the first.

Kept as the case facts change: a case whose applicant key, item or filing moment becomes known (or
earlier) moves its applicant's first filing of the item, and the pair counts receive the difference
between the applicant's pairs before and after. So a case told by several events, or an event handled
twice, counts once; and any order of delivery gives the same rows. Filings at the same moment make no
pair. `recompute` gives the same rows from the case facts in SQL (the generator, and the tests' check).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session, aliased

from data_sharing.warehouse.models import applicant, applicant_item, case_fact, item_applicants, item_pair
from data_sharing.warehouse.upsert import add_to, insert_ignore

Row = dict[str, Any]


def _filing(row: Row | None) -> tuple[str, str, dt.datetime] | None:
    if row is None:
        return None
    key, item, at = row.get("applicant_key"), row.get("item_code"), row.get("filed_at")
    return (key, item, at) if key and item and at is not None else None


def _pairs(firsts: dict[str, dt.datetime]) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for a, at in firsts.items():
        for b, bt in firsts.items():
            if at < bt:
                out[(a, b)] += 1
    return out


def case_changed(session: Session, slot: int, old: Row | None, new: Row) -> None:
    """After a case fact changed from `old` to `new`: its filing into the applicant's first filings."""
    filing = _filing(new)
    if filing is None or filing == _filing(old):
        return
    key, item, at = filing
    insert_ignore(session, applicant, [{"slot": slot, "applicant_key": key}], key=["slot", "applicant_key"])
    # The applicant's lock: a second case of theirs in another transaction waits here, then sees this one.
    session.execute(
        select(applicant.c.applicant_key)
        .where(applicant.c.slot == slot, applicant.c.applicant_key == key)
        .with_for_update()
    )
    rows = session.execute(
        select(applicant_item.c.item_code, applicant_item.c.first_filed_at).where(
            applicant_item.c.slot == slot, applicant_item.c.applicant_key == key
        )
    ).all()
    before = {r.item_code: r.first_filed_at for r in rows}
    known = before.get(item)
    if known is not None and known <= at:
        return  # an earlier filing of the item by the same applicant stands
    after = {**before, item: at}
    if known is None:
        session.execute(insert(applicant_item).values(slot=slot, applicant_key=key, item_code=item, first_filed_at=at))
        add_to(session, item_applicants, {"slot": slot, "item_code": item}, {"applicants": 1})
    else:
        session.execute(
            update(applicant_item)
            .where(
                applicant_item.c.slot == slot,
                applicant_item.c.applicant_key == key,
                applicant_item.c.item_code == item,
            )
            .values(first_filed_at=at)
        )
    old_pairs, new_pairs = _pairs(before), _pairs(after)
    for pair in sorted(set(old_pairs) | set(new_pairs)):  # one lock order
        change = new_pairs[pair] - old_pairs[pair]
        if change:
            keys = {"slot": slot, "item_code": pair[0], "next_item_code": pair[1]}
            add_to(session, item_pair, keys, {"applicants": change})


def recompute(session: Session, slot: int) -> None:
    """Replace the slot's association rows by those of its case facts."""
    for table in (item_pair, item_applicants, applicant_item, applicant):
        session.execute(delete(table).where(table.c.slot == slot))
    c = case_fact.c
    firsts = (
        select(literal(slot).label("slot"), c.applicant_key, c.item_code, func.min(c.filed_at).label("first_filed_at"))
        .where(c.slot == slot, c.applicant_key.is_not(None), c.item_code.is_not(None), c.filed_at.is_not(None))
        .group_by(c.applicant_key, c.item_code)
    )
    session.execute(
        insert(applicant_item).from_select(["slot", "applicant_key", "item_code", "first_filed_at"], firsts)
    )
    a = applicant_item.c
    session.execute(
        insert(applicant).from_select(
            ["slot", "applicant_key"], select(a.slot, a.applicant_key).where(a.slot == slot).distinct()
        )
    )
    session.execute(
        insert(item_applicants).from_select(
            ["slot", "item_code", "applicants"],
            select(a.slot, a.item_code, func.count()).where(a.slot == slot).group_by(a.slot, a.item_code),
        )
    )
    first, then = aliased(applicant_item), aliased(applicant_item)
    pairs = (
        select(first.c.slot, first.c.item_code, then.c.item_code.label("next_item_code"), func.count())
        .join(
            then,
            and_(
                then.c.slot == first.c.slot,
                then.c.applicant_key == first.c.applicant_key,
                then.c.first_filed_at > first.c.first_filed_at,
            ),
        )
        .where(first.c.slot == slot)
        .group_by(first.c.slot, first.c.item_code, then.c.item_code)
    )
    session.execute(insert(item_pair).from_select(["slot", "item_code", "next_item_code", "applicants"], pairs))
