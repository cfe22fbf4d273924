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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from data_sharing.warehouse.models import applicant, applicant_item, case_fact, item_applicants, item_pair
from data_sharing.warehouse.upsert import add_many, upsert_many

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


def cases_changed(session: Session, slot: int, changes: Sequence[tuple[Row | None, Row]]) -> None:
    """After a batch changed case facts from `old` to `new`: their filings into the applicants' first
    filings, with six statements for the whole batch, and none when no filing is new or moved (the
    applicants' rows inserted and locked in one order, their first filings read, then written, and the
    item and pair counts' summed differences)."""
    filings = [f for old, new in changes if (f := _filing(new)) is not None and f != _filing(old)]
    if not filings:
        return
    keys = sorted({key for key, _, _ in filings})
    upsert_many(session, applicant, ["slot", "applicant_key"], [], [{"slot": slot, "applicant_key": k} for k in keys])
    # The applicants' locks: a case of theirs in another transaction waits here, then sees these.
    session.execute(
        select(applicant.c.applicant_key)
        .where(applicant.c.slot == slot, applicant.c.applicant_key.in_(keys))
        .order_by(applicant.c.applicant_key)
        .with_for_update()
    )
    before: dict[str, dict[str, dt.datetime]] = {k: {} for k in keys}
    for r in session.execute(
        select(applicant_item.c.applicant_key, applicant_item.c.item_code, applicant_item.c.first_filed_at).where(
            applicant_item.c.slot == slot, applicant_item.c.applicant_key.in_(keys)
        )
    ).mappings():
        before[r["applicant_key"]][r["item_code"]] = r["first_filed_at"]
    after = {k: dict(v) for k, v in before.items()}
    for key, item, at in filings:
        known = after[key].get(item)
        if known is None or at < known:  # an earlier filing of the item by the same applicant stands
            after[key][item] = at
    firsts: list[Row] = []
    reach: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for key in keys:
        for item, at in sorted(after[key].items()):
            if before[key].get(item) != at:
                firsts.append({"slot": slot, "applicant_key": key, "item_code": item, "first_filed_at": at})
                if item not in before[key]:
                    reach[item] += 1
        if after[key] != before[key]:
            pairs.update(_pairs(after[key]))
            pairs.subtract(_pairs(before[key]))
    upsert_many(session, applicant_item, ["slot", "applicant_key", "item_code"], ["first_filed_at"], firsts)
    rows = [{"slot": slot, "item_code": item, "applicants": n} for item, n in sorted(reach.items()) if n]
    add_many(session, item_applicants, ["slot", "item_code"], ["applicants"], rows)
    rows = [
        {"slot": slot, "item_code": a, "next_item_code": b, "applicants": n} for (a, b), n in sorted(pairs.items()) if n
    ]  # one lock order
    add_many(session, item_pair, ["slot", "item_code", "next_item_code"], ["applicants"], rows)


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
