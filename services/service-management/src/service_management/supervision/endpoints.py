from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from gov_common.auth import CurrentPrincipal
from gov_common.db import utcnow
from gov_common.pagination import Page
from gov_common.params import Day
from gov_common.service import DbSession
from service_management.deps import Admin
from service_management.supervision import calendar, service
from service_management.supervision.schemas import (
    AlertOut,
    CalendarDayIn,
    CalendarDayOut,
    FiguresOut,
    ScanOut,
    WorkingDayAnswer,
)

router = APIRouter(prefix="/api/v1", tags=["supervision"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not an administrator or department admin"},
    404: {"description": "No such calendar entry"},
    422: {"description": "A field is invalid (it is named)"},
}


@router.get("/calendar", response_model=list[CalendarDayOut])
def list_calendar(
    session: DbSession, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[CalendarDayOut]:
    """Holidays on weekdays and worked weekend days (调休); every other weekday is a working day."""
    return [CalendarDayOut.model_validate(d) for d in calendar.list_days(session, year=year)]


@router.get("/calendar/{day}", response_model=WorkingDayAnswer)
def is_working_day(day: Day, session: DbSession) -> WorkingDayAnswer:
    """Whether a day is a working day on the calendar."""
    return WorkingDayAnswer(day=day, working_day=calendar.load_calendar(session).is_working_day(day))


@router.put("/calendar/days/{day}", response_model=CalendarDayOut, responses=_ERRORS)
def set_calendar_day(day: Day, body: CalendarDayIn, session: DbSession, _admin: Admin) -> CalendarDayOut:
    """Declare a weekday a holiday, or a weekend day an adjusted working day."""
    return CalendarDayOut.model_validate(calendar.set_day(session, day=day, kind=body.kind, name=body.name))


@router.delete("/calendar/days/{day}", status_code=204, responses=_ERRORS)
def delete_calendar_day(day: Day, session: DbSession, _admin: Admin) -> Response:
    """Make a day ordinary again."""
    calendar.delete_day(session, day=day)
    return Response(status_code=204)


@router.get("/supervision/alerts", response_model=list[AlertOut], responses=_ERRORS)
def list_alerts(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Page,
    response: Response,
    kind: Annotated[Literal["yellow", "red", "state_overdue"] | None, Query()] = None,
) -> list[AlertOut]:
    """Yellow warnings, red overdue alerts and escalated states: a department admin sees their department's."""
    rows, total = service.list_alerts(session, principal=principal, page=page, kind=kind)
    page.describe(response, total)
    return [AlertOut.model_validate(a) for a in rows]


@router.post("/supervision/scan", response_model=ScanOut, responses=_ERRORS)
def run_scan(session: DbSession, _admin: Admin) -> ScanOut:
    """Run the supervision scan now (it also runs periodically)."""
    return ScanOut(**asdict(service.scan(session, now=utcnow())))


@router.get("/supervision/performance", response_model=list[FiguresOut], responses=_ERRORS)
def performance(
    principal: CurrentPrincipal,
    session: DbSession,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    by: Annotated[Literal["department", "item"], Query()] = "department",
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response | list[FiguresOut]:
    """Volume, on-time rate, average duration, instant-approval share and satisfaction, as JSON or CSV."""
    rows = service.performance(session, principal=principal, start=start, end=end, by=by)
    if format == "csv":
        return Response(
            content=service.performance_csv(rows, by=by),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="performance-{start}-{end}.csv"'},
        )
    return [FiguresOut(**asdict(r)) for r in rows]
