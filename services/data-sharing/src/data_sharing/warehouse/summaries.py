"""The summaries computed again from a slot's facts in SQL: after a bulk load (the generator), and as
the check that the handlers' incremental upkeep adds up (tests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from data_sharing.warehouse import associations
from data_sharing.warehouse.models import (
    LONG_WAIT_DAYS,
    case_daily,
    case_fact,
    step_daily,
    step_fact,
    supplement_daily,
    supplement_fact,
)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _keys(c: Any) -> list[Any]:
    return [
        c.filed_on.label("day"),
        func.coalesce(c.item_code, "").label("item_code"),
        func.coalesce(c.department_code, "").label("department_code"),
        func.coalesce(c.channel, "").label("channel"),
    ]


def summarise(session: Session, slot: int) -> None:
    """Replace the slot's summaries (and its "you may also need" rows) by those of its facts."""
    for table in (case_daily, step_daily, supplement_daily):
        session.execute(delete(table).where(table.c.slot == slot))
    c = case_fact.c
    division = func.coalesce(c.division_code, "").label("division_code")
    applicant = func.coalesce(c.applicant_type, "").label("applicant_type")
    ended = (c.concluded_at.is_not(None)) | (c.rejected_at.is_not(None))
    measures = {
        "cases": func.count(),
        "accepted": _count(c.accepted_at.is_not(None)),
        "decided": _count(c.decided_at.is_not(None)),
        "concluded": _count(c.concluded_at.is_not(None)),
        "approved": _count(c.outcome == "approved"),
        "denied": _count(c.outcome == "denied"),
        "rejected": _count(c.outcome == "rejected"),
        "instant": _count(c.instant.is_(True)),
        "supplemented": _count(c.supplements > 0),
        "supplements": func.sum(c.supplements),
        "ended": _count(ended),
        "timed": _count(c.on_time.is_not(None)),
        "on_time": _count(c.on_time.is_(True)),
        "yellow": _count(c.yellow.is_(True)),
        "red": _count(c.red.is_(True)),
        "escalated": _count(c.escalated.is_(True)),
        "rated": _count(c.rating.is_not(None)),
        "rating_sum": func.coalesce(func.sum(c.rating), 0),
        "satisfied": _count(c.rating >= 4),
        "intake_n": _count(c.intake_days.is_not(None)),
        "intake_days_sum": func.coalesce(func.sum(c.intake_days), 0),
        "review_n": _count(c.review_days.is_not(None)),
        "review_days_sum": func.coalesce(func.sum(c.review_days), 0),
        "total_n": _count(c.total_days.is_not(None)),
        "total_days_sum": func.coalesce(func.sum(c.total_days), 0),
    }
    keys = [*_keys(c), applicant, division]
    query = (
        select(literal(slot).label("slot"), *keys, *(cast(v, Integer).label(k) for k, v in measures.items()))
        .where(c.slot == slot, c.filed_on.is_not(None))
        .group_by(*keys[:4], applicant, division)
    )
    session.execute(insert(case_daily).from_select(["slot", *(k.name for k in keys), *measures], query))

    s = step_fact.c
    step_keys = [
        c.filed_on.label("day"),
        func.coalesce(c.item_code, "").label("item_code"),
        s.department_code.label("department_code"),
        func.coalesce(c.channel, "").label("channel"),
        division,
        s.step.label("step"),
    ]
    step_measures = {
        "steps": func.count(),
        "waited": _count(s.waiting_days.is_not(None)),
        "waiting_days_sum": func.coalesce(func.sum(s.waiting_days), 0),
        "long_waits": _count(s.waiting_days > LONG_WAIT_DAYS),
    }
    query = (
        select(literal(slot).label("slot"), *step_keys, *(cast(v, Integer).label(k) for k, v in step_measures.items()))
        .join_from(step_fact, case_fact, and_(c.slot == s.slot, c.case_no == s.case_no))
        .where(s.slot == slot, c.filed_on.is_not(None))
        .group_by(*step_keys)
    )
    session.execute(insert(step_daily).from_select(["slot", *(k.name for k in step_keys), *step_measures], query))

    m = supplement_fact.c
    asked = select(m.case_no, m.material_code).where(m.slot == slot).group_by(m.case_no, m.material_code).subquery()
    material_keys = [*_keys(c), division, asked.c.material_code.label("material_code")]
    query = (
        select(literal(slot).label("slot"), *material_keys, cast(func.count(), Integer).label("asked"))
        .join_from(asked, case_fact, and_(c.slot == slot, c.case_no == asked.c.case_no))
        .where(c.filed_on.is_not(None))
        .group_by(*material_keys)
    )
    session.execute(insert(supplement_daily).from_select(["slot", *(k.name for k in material_keys), "asked"], query))
    associations.recompute(session, slot)
