"""The intake queue's search, filters and order: query parameters, checked, applied to a query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, func, or_

from gov_common.errors import InvalidField
from gov_common.workdays import LOCAL_ZONE
from service_management.models import Case

QueueStatus = Literal["submitted", "supplement_requested"]
QueueSort = Literal["filed", "-filed", "due", "-due"]


@dataclass(frozen=True)
class QueueFilter:
    q: str | None = None
    status: QueueStatus | None = None
    item_code: str | None = None
    filed_from: date | None = None
    filed_to: date | None = None
    sort: QueueSort = "filed"

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.q:
            pattern = f"%{self.q.lower()}%"
            query = query.where(
                or_(func.lower(Case.case_no).like(pattern), func.lower(Case.applicant_name).like(pattern))
            )
        if self.status:
            query = query.where(Case.status == self.status)
        if self.item_code:
            query = query.where(Case.item_code == self.item_code)
        # Dates are days in Asia/Shanghai, as the clerk reads them on the page.
        if self.filed_from:
            query = query.where(Case.created_at >= datetime.combine(self.filed_from, time(0), LOCAL_ZONE))
        if self.filed_to:
            query = query.where(
                Case.created_at < datetime.combine(self.filed_to + timedelta(days=1), time(0), LOCAL_ZONE)
            )
        return query

    def order(self) -> tuple[ColumnElement[Any], ...]:
        match self.sort:
            case "filed":
                return (Case.id.asc(),)
            case "-filed":
                return (Case.id.desc(),)
            case "due":
                return Case.due_at.asc().nulls_last(), Case.id.asc()
            case "-due":
                return Case.due_at.desc().nulls_last(), Case.id.desc()


def _queue_filter(
    q: Annotated[
        str | None, Query(max_length=50, description="part of the case number or the applicant's name")
    ] = None,
    status: Annotated[QueueStatus | None, Query(description="only cases in this state")] = None,
    item_code: Annotated[str | None, Query(max_length=64, description="only cases of this item")] = None,
    filed_from: Annotated[date | None, Query(description="filed on or after this day (Asia/Shanghai)")] = None,
    filed_to: Annotated[date | None, Query(description="filed on or before this day (Asia/Shanghai)")] = None,
    sort: Annotated[
        QueueSort, Query(description="filed (oldest first), -filed, due (soonest first) or -due")
    ] = "filed",
) -> QueueFilter:
    if filed_from and filed_to and filed_to < filed_from:
        raise InvalidField("filed_to", "截止日期不能早于起始日期")
    return QueueFilter(
        q=(q or "").strip() or None,
        status=status,
        item_code=item_code or None,
        filed_from=filed_from,
        filed_to=filed_to,
        sort=sort,
    )


Filters = Annotated[QueueFilter, Depends(_queue_filter)]
