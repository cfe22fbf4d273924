"""What applicants filed next ("you may also need") over HTTP: `GET /api/v1/warehouse/next-items?item=A`,
for the platform's services (service-management's personal services ask it about the items a
logged-in applicant filed).

Aggregates only: for each given item, the items its applicants went on to file, with the number of
distinct applicants who did and their share of the item's applicants. A pair counted from fewer than
MIN_CASES (5) applicants is never returned, as the cockpit suppresses a figure from fewer than 5 cases.
Each call, refused or answered, is recorded in the audit log before anything is returned (as the
cockpit's queries are)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.audit.service import Actor
from data_sharing.deps import Audit, PurposeQuery
from data_sharing.warehouse.handlers import slots
from data_sharing.warehouse.models import item_applicants, item_dim, item_pair
from data_sharing.warehouse.queries import MIN_CASES
from gov_common.auth import CurrentPrincipal
from gov_common.errors import Forbidden, InvalidField
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/warehouse", tags=["warehouse"])

PURPOSE = "个性化服务：您可能还需要（同事项申请人后续办理的事项）"
MAX_ITEMS = 50


@dataclass(frozen=True)
class NextItem:
    item_code: str
    item_applicants: int
    next_item_code: str
    next_item_name: str | None
    applicants: int
    share: float


def next_items(
    session: Session, items: list[str], *, per_item: int = 5, min_applicants: int = MIN_CASES
) -> list[NextItem]:
    """For each of `items`, its most frequent next items not among `items` (by applicants, then code)."""
    live, _ = slots(session)
    p, a = item_pair.c, item_applicants.c
    rows = session.execute(
        select(p.item_code, a.applicants.label("item_applicants"), p.next_item_code, item_dim.c.name, p.applicants)
        .join_from(item_pair, item_applicants, (a.slot == p.slot) & (a.item_code == p.item_code))
        .join_from(item_pair, item_dim, item_dim.c.code == p.next_item_code, isouter=True)
        .where(
            p.slot == live,
            p.item_code.in_(items),
            p.next_item_code.not_in(items),
            p.applicants >= min_applicants,
        )
        .order_by(p.item_code, p.applicants.desc(), p.next_item_code)
    ).all()
    out: list[NextItem] = []
    taken: dict[str, int] = {}
    for r in rows:
        if taken.get(r.item_code, 0) >= per_item:
            continue
        taken[r.item_code] = taken.get(r.item_code, 0) + 1
        out.append(
            NextItem(
                item_code=r.item_code,
                item_applicants=r.item_applicants,
                next_item_code=r.next_item_code,
                next_item_name=r.name,
                applicants=r.applicants,
                share=round(r.applicants / r.item_applicants, 4),
            )
        )
    return out


class NextItemOut(BaseModel):
    item_code: str = Field(description="an item given")
    item_applicants: int = Field(description="distinct applicants who filed it")
    next_item_code: str
    next_item_name: str | None
    applicants: int = Field(description=f"distinct applicants who filed the next item after it (at least {MIN_CASES})")
    share: float = Field(description="applicants / item_applicants")


class NextItemsOut(BaseModel):
    min_applicants: int
    rows: list[NextItemOut]


@router.get(
    "/next-items",
    response_model=NextItemsOut,
    responses={
        403: {"description": "Only the platform's services (audited)"},
        422: {"description": "No item, or too many (field `item`)"},
    },
)
def get_next_items(
    principal: CurrentPrincipal,
    session: DbSession,
    audit: Audit,
    item: Annotated[list[str], Query(description="item codes the applicant filed")] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=20, description="next items per given item")] = 5,
    purpose: PurposeQuery = None,
) -> NextItemsOut:
    """What applicants who filed these items went on to file (pairs from fewer than 5 applicants withheld)."""
    codes = list(dict.fromkeys(c.strip() for c in item if c.strip()))
    if not codes:
        raise InvalidField("item", "至少给出一个事项编码")
    if len(codes) > MAX_ITEMS or any(len(c) > 64 for c in codes):
        raise InvalidField("item", f"至多 {MAX_ITEMS} 个事项编码，每个不超过 64 个字符")
    allowed = principal.is_service
    audit.record(
        actor=Actor.of(principal),
        action="read",
        resource="warehouse",
        fields=["next-items", *(f"item={c}" for c in codes)],
        subject=None,
        purpose=purpose or PURPOSE,
        outcome="allowed" if allowed else "refused",
        reason=None if allowed else "not a platform service",
    )
    if not allowed:
        raise Forbidden("仅供平台服务调用")
    rows = next_items(session, codes, per_item=limit)
    return NextItemsOut(min_applicants=MIN_CASES, rows=[NextItemOut(**vars(r)) for r in rows])
