"""A department's stock opinions (常用意见): the deployment's setting (or the built-in phrases) until its
department admin changes one; from then on the department's own list, kept in this database."""

from __future__ import annotations

from typing import get_args

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from business_systems.models import StockOpinion, StockOpinionList
from business_systems.review.opinions import OpinionAction, templates_for
from business_systems.stock_opinions.schemas import MAX_OPINION_LENGTH, StockOpinionsOut
from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField

ACTIONS: tuple[OpinionAction, ...] = get_args(OpinionAction)

Configured = dict[OpinionAction, list[str]] | None


def _check_department(principal: Principal, department_code: str) -> None:
    if principal.department != department_code:
        raise Forbidden("只有本部门工作人员可以查看或维护本部门的常用意见")


def _stored(session: Session, department_code: str) -> dict[OpinionAction, list[str]]:
    rows = session.scalars(
        select(StockOpinion)
        .where(StockOpinion.department_code == department_code)
        .order_by(StockOpinion.action, StockOpinion.position)
    ).all()
    found: dict[OpinionAction, list[str]] = {action: [] for action in ACTIONS}
    for row in rows:
        if row.action in found:
            found[row.action].append(row.text)
    return found


def _out(
    session: Session, department_code: str, owned: StockOpinionList | None, configured: Configured
) -> StockOpinionsOut:
    if owned is None:
        return StockOpinionsOut(
            department_code=department_code, templates=templates_for(configured), customised=False, version=0
        )
    return StockOpinionsOut(
        department_code=department_code,
        templates=_stored(session, department_code),
        customised=True,
        version=owned.version,
        updated_by=owned.updated_by,
        updated_at=owned.updated_at,
    )


def stock_opinions(
    session: Session, *, principal: Principal, department_code: str, configured: Configured
) -> StockOpinionsOut:
    """What the department's reviewers pick from, by action."""
    _check_department(principal, department_code)
    return _out(session, department_code, session.get(StockOpinionList, department_code), configured)


def _clean(opinions: list[str]) -> list[str]:
    """Each phrase trimmed; an empty, too long or repeated one is refused, naming its place in the list."""
    kept: list[str] = []
    for n, raw in enumerate(opinions):
        text = raw.strip()
        field = f"opinions[{n}]"
        if not text:
            raise InvalidField(field, f"第 {n + 1} 条意见内容为空，请填写或删除该条", code="opinion_empty")
        if len(text) > MAX_OPINION_LENGTH:
            raise InvalidField(
                field, f"第 {n + 1} 条意见超过 {MAX_OPINION_LENGTH} 字（现有 {len(text)} 字）", code="opinion_too_long"
            )
        if text in kept:
            raise InvalidField(field, f"第 {n + 1} 条意见与第 {kept.index(text) + 1} 条相同", code="opinion_duplicate")
        kept.append(text)
    return kept


def set_stock_opinions(
    session: Session,
    *,
    principal: Principal,
    department_code: str,
    action: OpinionAction,
    opinions: list[str],
    version: int | None,
    configured: Configured,
) -> StockOpinionsOut:
    """Replaces one action's list. The first change takes the whole set over from the setting, the other
    actions as they were shown, so that what reviewers see changes only where the admin changed it."""
    _check_department(principal, department_code)
    kept = _clean(opinions)
    owned = session.get(StockOpinionList, department_code, with_for_update=True)
    current = owned.version if owned is not None else 0
    if version is not None and version != current:
        raise Conflict(
            "常用意见已被他人修改，请刷新后重试", field="version", code="stale_version", current_version=current
        )
    if owned is None:
        seeded = templates_for(configured)
        owned = StockOpinionList(department_code=department_code, version=1, updated_by=principal.name)
        session.add(owned)
        session.flush()
        for other in ACTIONS:
            if other != action:
                _write(session, department_code, other, seeded[other])
    else:
        owned.version += 1
        owned.updated_by = principal.name
        session.execute(
            delete(StockOpinion).where(StockOpinion.department_code == department_code, StockOpinion.action == action)
        )
    owned.updated_at = utcnow()
    _write(session, department_code, action, kept)
    session.flush()
    return _out(session, department_code, owned, configured)


def _write(session: Session, department_code: str, action: str, texts: list[str]) -> None:
    session.add_all(
        StockOpinion(department_code=department_code, action=action, position=n, text=text)
        for n, text in enumerate(texts)
    )


def reset_stock_opinions(
    session: Session, *, principal: Principal, department_code: str, configured: Configured
) -> StockOpinionsOut:
    """Back to the deployment's setting (or the built-in phrases): the department's own list is removed."""
    _check_department(principal, department_code)
    owned = session.get(StockOpinionList, department_code, with_for_update=True)
    if owned is not None:
        session.execute(delete(StockOpinion).where(StockOpinion.department_code == department_code))
        session.delete(owned)
        session.flush()
    return _out(session, department_code, None, configured)
