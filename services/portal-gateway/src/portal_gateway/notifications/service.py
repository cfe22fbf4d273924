"""Reading one's inbox: list (newest first), count the unread, mark read. None of these commits;
the request's unit of work does. A notification is the applicant's by identity number and kind."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from gov_common.auth import Principal
from gov_common.errors import Forbidden, NotFound
from gov_common.pagination import PageRequest
from portal_gateway.notifications.models import Notification


def _mine(principal: Principal) -> ColumnElement[bool]:
    if not principal.is_applicant or not principal.id_number:
        raise Forbidden("消息通知仅面向申请人（自然人或法人）")
    return (Notification.recipient_id_number == principal.id_number.upper()) & (
        Notification.recipient_type == principal.account_type
    )


def list_notifications(
    session: Session, *, principal: Principal, unread: bool, page: PageRequest
) -> tuple[list[Notification], int]:
    condition = _mine(principal)
    if unread:
        condition = condition & Notification.read_at.is_(None)
    total = session.scalar(select(func.count()).select_from(Notification).where(condition)) or 0
    rows = session.scalars(
        select(Notification)
        .where(condition)
        .order_by(Notification.occurred_at.desc(), Notification.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return list(rows), total


def unread_count(session: Session, *, principal: Principal) -> int:
    condition = _mine(principal) & Notification.read_at.is_(None)
    return session.scalar(select(func.count()).select_from(Notification).where(condition)) or 0


def mark_read(session: Session, *, principal: Principal, notification_id: int, now: dt.datetime) -> Notification:
    """Idempotent: a notification read before keeps the time it was first read."""
    notification = session.scalars(
        select(Notification).where(_mine(principal), Notification.id == notification_id)
    ).first()
    if notification is None:  # someone else's is as absent as a missing one
        raise NotFound(f"未找到消息 {notification_id}", field="notification_id")
    if notification.read_at is None:
        notification.read_at = now
    return notification


def mark_all_read(session: Session, *, principal: Principal, now: dt.datetime) -> int:
    result = session.execute(
        update(Notification).where(_mine(principal), Notification.read_at.is_(None)).values(read_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
