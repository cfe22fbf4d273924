"""The review chain of each item: configured by the department admin, or the default one step."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from business_systems.chains.schemas import ChainOut, StepIn, StepOut
from business_systems.models import ReviewChain
from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import Forbidden, InvalidField, NotFound
from gov_common.pagination import PageRequest

STEP_ORDER = ("handle", "review", "approve")
STEP_LABELS = {"handle": "承办", "review": "审核", "approve": "批准"}
# An item without a configured chain: one reviewer decides, as in the walking skeleton.
DEFAULT_CHAIN: list[dict[str, Any]] = [{"name": "approve", "role": Roles.REVIEWER}]
_ITEM_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}$")


def steps_out(steps: list[dict[str, Any]]) -> list[StepOut]:
    return [
        StepOut(no=n, name=step["name"], label=STEP_LABELS.get(step["name"], step["name"]), role=step["role"])
        for n, step in enumerate(steps, start=1)
    ]


def chain_for(session: Session, item_code: str) -> tuple[list[dict[str, Any]], int]:
    """The steps in force for an item and their version (0 for the default chain)."""
    chain = session.get(ReviewChain, item_code)
    if chain is None:
        return [dict(step) for step in DEFAULT_CHAIN], 0
    return [dict(step) for step in chain.steps], chain.version


def _check_item_code(item_code: str) -> str:
    if not _ITEM_CODE.match(item_code):
        raise InvalidField("item_code", "事项编码应为 1 至 64 位字母、数字或连字符")
    return item_code


def _check_department(principal: Principal, department_code: str) -> None:
    if principal.department != department_code:
        raise Forbidden(f"仅 {department_code} 部门的工作人员可以查看或修改其审批流程")


def _out(item_code: str, department_code: str, chain: ReviewChain | None) -> ChainOut:
    if chain is None:
        return ChainOut(
            item_code=item_code,
            department_code=department_code,
            steps=steps_out(DEFAULT_CHAIN),
            configured=False,
            version=0,
        )
    return ChainOut(
        item_code=item_code,
        department_code=department_code,
        steps=steps_out(chain.steps),
        configured=True,
        version=chain.version,
        updated_by=chain.updated_by,
        updated_at=chain.updated_at,
    )


def get_chain(session: Session, *, principal: Principal, department_code: str, item_code: str) -> ChainOut:
    _check_department(principal, department_code)
    _check_item_code(item_code)
    return _out(item_code, department_code, session.get(ReviewChain, item_code))


def list_chains(
    session: Session, *, principal: Principal, department_code: str, page: PageRequest
) -> tuple[list[ChainOut], int]:
    _check_department(principal, department_code)
    total = session.scalar(select(func.count()).select_from(ReviewChain)) or 0
    chains = session.scalars(
        select(ReviewChain).order_by(ReviewChain.item_code).offset(page.offset).limit(page.page_size)
    ).all()
    return [_out(c.item_code, department_code, c) for c in chains], total


def _check_steps(steps: list[StepIn]) -> None:
    positions = [STEP_ORDER.index(step.name) for step in steps]
    for n in range(1, len(positions)):
        if positions[n] <= positions[n - 1]:
            raise InvalidField(
                f"steps[{n}].name",
                "审批步骤应按 承办 → 审核 → 批准 的顺序排列，每一步至多一次",
            )


def set_chain(
    session: Session, *, principal: Principal, department_code: str, item_code: str, steps: list[StepIn]
) -> ChainOut:
    _check_department(principal, department_code)
    _check_item_code(item_code)
    _check_steps(steps)
    stored = [{"name": step.name, "role": step.role} for step in steps]
    chain = session.get(ReviewChain, item_code, with_for_update=True)
    if chain is None:
        chain = ReviewChain(item_code=item_code, steps=stored, version=1, updated_by=principal.name)
        session.add(chain)
    else:
        chain.steps = stored
        chain.version += 1
        chain.updated_by = principal.name
    chain.updated_at = utcnow()
    session.flush()
    return _out(item_code, department_code, chain)


def reset_chain(session: Session, *, principal: Principal, department_code: str, item_code: str) -> None:
    _check_department(principal, department_code)
    chain = session.get(ReviewChain, _check_item_code(item_code), with_for_update=True)
    if chain is None:
        raise NotFound(f"事项 {item_code} 尚未配置审批流程")
    session.delete(chain)
