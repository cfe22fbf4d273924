"""The work lists' search, filters and order: query parameters, checked, applied to a query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal, TypeVarTuple

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, func, or_

from business_systems.models import WorkItem
from gov_common.errors import InvalidField
from gov_common.workdays import LOCAL_ZONE

WorkSort = Literal["due", "-due", "received", "-received"]
_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True)
class WorkFilter:
    q: str | None = None
    item_code: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    sort: WorkSort = "due"

    def apply(self, query: Select[*_Ts]) -> Select[*_Ts]:
        if self.q:
            pattern = f"%{self.q.lower()}%"
            query = query.where(
                or_(
                    func.lower(WorkItem.case_no).like(pattern),
                    func.lower(WorkItem.item_name).like(pattern),
                    func.lower(WorkItem.applicant["name"].as_string()).like(pattern),
                )
            )
        if self.item_code:
            query = query.where(WorkItem.item_code == self.item_code)
        # Dates are days in Asia/Shanghai, as staff read them on the page.
        if self.received_from:
            query = query.where(WorkItem.received_at >= datetime.combine(self.received_from, time(0), LOCAL_ZONE))
        if self.received_to:
            end = datetime.combine(self.received_to + timedelta(days=1), time(0), LOCAL_ZONE)
            query = query.where(WorkItem.received_at < end)
        return query

    def order(self) -> tuple[ColumnElement[Any], ...]:
        match self.sort:
            case "due":
                return WorkItem.due_at.asc().nulls_last(), WorkItem.id.asc()
            case "-due":
                return WorkItem.due_at.desc().nulls_last(), WorkItem.id.desc()
            case "received":
                return WorkItem.received_at.asc(), WorkItem.id.asc()
            case "-received":
                return WorkItem.received_at.desc(), WorkItem.id.desc()


def _work_filter(
    q: Annotated[
        str | None, Query(max_length=50, description="part of the case number, the applicant's name or the item's name")
    ] = None,
    item_code: Annotated[str | None, Query(max_length=64, description="only cases of this item")] = None,
    received_from: Annotated[date | None, Query(description="received on or after this day (Asia/Shanghai)")] = None,
    received_to: Annotated[date | None, Query(description="received on or before this day (Asia/Shanghai)")] = None,
    sort: Annotated[
        WorkSort, Query(description="due (soonest first), -due, received (oldest first) or -received")
    ] = "due",
) -> WorkFilter:
    if received_from and received_to and received_to < received_from:
        raise InvalidField("received_to", "截止日期不能早于起始日期")
    return WorkFilter(
        q=(q or "").strip() or None,
        item_code=item_code or None,
        received_from=received_from,
        received_to=received_to,
        sort=sort,
    )


Filters = Annotated[WorkFilter, Depends(_work_filter)]
