"""service-management: the working-day calendar, supervision and performance, rectification tasks."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import forward, seg, service_management

router = APIRouter(prefix="/api/v1", tags=["service-management"])
SM = "service-management"


@router.get("/calendar")
async def list_calendar(request: Request) -> Response:
    """Holidays and adjusted working days."""
    return await forward(request, SM, service_management(request), "/api/v1/calendar")


@router.get("/calendar/{day}")
async def is_working_day(day: str, request: Request) -> Response:
    """Whether a day is a working day."""
    return await forward(request, SM, service_management(request), f"/api/v1/calendar/{seg(day)}")


@router.put("/calendar/days/{day}")
async def set_calendar_day(day: str, request: Request) -> Response:
    """Declare a holiday or an adjusted working day (administrators)."""
    return await forward(request, SM, service_management(request), f"/api/v1/calendar/days/{seg(day)}")


@router.delete("/calendar/days/{day}")
async def delete_calendar_day(day: str, request: Request) -> Response:
    """Make a day ordinary again (administrators)."""
    return await forward(request, SM, service_management(request), f"/api/v1/calendar/days/{seg(day)}")


@router.get("/supervision/alerts")
async def list_alerts(request: Request) -> Response:
    """Yellow, red and escalation alerts (department admins, administrators)."""
    return await forward(request, SM, service_management(request), "/api/v1/supervision/alerts")


@router.post("/supervision/scan")
async def run_supervision_scan(request: Request) -> Response:
    """Run the supervision scan now (administrators)."""
    return await forward(request, SM, service_management(request), "/api/v1/supervision/scan")


@router.get("/supervision/performance")
async def performance(request: Request) -> Response:
    """Performance figures as JSON or CSV (`?from=&to=&by=&format=`)."""
    return await forward(request, SM, service_management(request), "/api/v1/supervision/performance")


@router.get("/rectifications")
async def list_rectifications(request: Request) -> Response:
    """Rectification tasks of the caller's department."""
    return await forward(request, SM, service_management(request), "/api/v1/rectifications")


@router.post("/rectifications/{task_id}/complete")
async def complete_rectification(task_id: str, request: Request) -> Response:
    """Close a rectification task."""
    return await forward(request, SM, service_management(request), f"/api/v1/rectifications/{seg(task_id)}/complete")
