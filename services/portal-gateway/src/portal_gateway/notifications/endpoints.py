"""`/api/v1/me/notifications`: the logged-in applicant's inbox. Staff and client applications have
no inbox here (403): what happens to cases reaches them through their work lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from gov_common.auth import Applicant
from gov_common.db import utcnow
from gov_common.pagination import Page
from gov_common.service import DbSession
from portal_gateway.notifications import service
from portal_gateway.notifications.models import Notification
from portal_gateway.notifications.schemas import MarkedReadOut, NotificationOut, UnreadCountOut

router = APIRouter(prefix="/api/v1/me/notifications", tags=["notifications"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Not an applicant (staff and client applications have no inbox)"},
    422: {"description": "Invalid parameter (named)"},
}


def _out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.id,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        case_no=notification.case_no,
        license_no=notification.license_no,
        item_code=notification.item_code,
        occurred_at=notification.occurred_at,
        created_at=notification.created_at,
        read_at=notification.read_at,
        read=notification.read_at is not None,
    )


@router.get("", response_model=list[NotificationOut], responses=_ERRORS)
def list_notifications(
    principal: Applicant,
    session: DbSession,
    page: Page,
    response: Response,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
) -> list[NotificationOut]:
    """My notifications, newest first, one page (X-Total-Count, X-Page, X-Page-Size)."""
    rows, total = service.list_notifications(session, principal=principal, unread=unread, page=page)
    page.describe(response, total)
    return [_out(n) for n in rows]


@router.get("/unread-count", response_model=UnreadCountOut, responses=_ERRORS)
def unread_count(principal: Applicant, session: DbSession) -> UnreadCountOut:
    """How many of my notifications are unread (for the bell in the header)."""
    return UnreadCountOut(unread=service.unread_count(session, principal=principal))


@router.post("/read-all", response_model=MarkedReadOut, responses=_ERRORS)
def mark_all_read(principal: Applicant, session: DbSession) -> MarkedReadOut:
    """Mark all my notifications read."""
    marked = service.mark_all_read(session, principal=principal, now=utcnow())
    return MarkedReadOut(marked=marked, unread=0)


@router.post(
    "/{notification_id}/read",
    response_model=NotificationOut,
    responses={**_ERRORS, 404: {"description": "No such notification of mine"}},
)
def mark_read(
    principal: Applicant,
    session: DbSession,
    notification_id: Annotated[int, Path(ge=1, le=2**62)],
) -> NotificationOut:
    """Mark one of my notifications read (again is harmless); another's answers 404."""
    return _out(service.mark_read(session, principal=principal, notification_id=notification_id, now=utcnow()))
