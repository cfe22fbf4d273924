"""Work lists: per person (what waits for my roles, what I acted on) and per step, with the
case's remaining time as service-management reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from business_systems.chains.service import STEP_ORDER
from business_systems.deps import STEP_ROLES
from business_systems.models import ReviewAction, WorkItem
from business_systems.review.filters import WorkFilter
from business_systems.review.service import Status
from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.pagination import PageRequest

_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True)
class StepLoad:
    step: str
    waiting: int
    overdue: int


def _count(session: Session, query: Select[*_Ts]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def my_work(
    session: Session,
    *,
    principal: Principal,
    department_code: str,
    step: str | None,
    page: PageRequest,
    filters: WorkFilter | None = None,
) -> tuple[list[WorkItem], int]:
    """Pending cases at a step whose role I hold; a department admin sees all of them."""
    if principal.department != department_code:
        return [], 0
    query = select(WorkItem).where(WorkItem.status == Status.PENDING)
    if not principal.has_role(Roles.DEPARTMENT_ADMIN):
        query = query.where(WorkItem.current_step_role.in_([r for r in STEP_ROLES if principal.has_role(r)]))
    if step is not None:
        query = query.where(WorkItem.current_step_name == step)
    filters = filters or WorkFilter()
    query = filters.apply(query)
    total = _count(session, query)
    items = session.scalars(
        query.options(selectinload(WorkItem.actions))
        .order_by(*filters.order())
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return list(items), total


def my_done(
    session: Session,
    *,
    principal: Principal,
    department_code: str,
    page: PageRequest,
    filters: WorkFilter | None = None,
) -> tuple[list[tuple[WorkItem, ReviewAction]], int]:
    """Cases I acted on, with my last action on each, newest first."""
    if principal.department != department_code:
        return [], 0
    last = (
        select(ReviewAction.work_item_id, func.max(ReviewAction.id).label("last_id"))
        .where(ReviewAction.by_sub == principal.sub)
        .group_by(ReviewAction.work_item_id)
        .subquery()
    )
    query = (
        select(WorkItem, ReviewAction)
        .join(last, last.c.work_item_id == WorkItem.id)
        .join(ReviewAction, ReviewAction.id == last.c.last_id)
    )
    if filters is not None:
        query = filters.apply(query)
    total = _count(session, query)
    rows = session.execute(
        query.options(selectinload(WorkItem.actions))
        .order_by(ReviewAction.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return [(row[0], row[1]) for row in rows], total


def step_loads(
    session: Session, *, principal: Principal, department_code: str, now: datetime | None = None
) -> list[StepLoad]:
    """Per step of the review chains: how many cases wait there and how many are overdue."""
    if principal.department != department_code:
        return []
    now = now or utcnow()
    overdue = and_(WorkItem.due_at.is_not(None), WorkItem.due_at < now, WorkItem.clock_paused.is_(False))
    rows = session.execute(
        select(
            WorkItem.current_step_name,
            func.count(),
            func.count().filter(overdue),
        )
        .where(WorkItem.status == Status.PENDING, WorkItem.current_step_name.is_not(None))
        .group_by(WorkItem.current_step_name)
    ).all()
    counts = {name: (int(waiting), int(late)) for name, waiting, late in rows}
    return [StepLoad(name, *counts.get(name, (0, 0))) for name in STEP_ORDER]
