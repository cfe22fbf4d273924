"""A licence's life after issue: revoked (吊销), cancelled (注销) or expired (过期), each an event
written in the same transaction as the change."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.licenses.models import License
from data_sharing.licenses.service import Status, emit_license_event, is_issuing_staff, license_parties
from gov_common.auth import Principal
from gov_common.contracts.events import LicenseCancelled, LicenseExpired, LicenseRevoked
from gov_common.db import utcnow
from gov_common.errors import Conflict, NotFound

log = logging.getLogger("data_sharing.licenses.lifecycle")

_EVENT: dict[str, type[LicenseRevoked | LicenseCancelled | LicenseExpired]] = {
    Status.REVOKED: LicenseRevoked,
    Status.CANCELLED: LicenseCancelled,
    Status.EXPIRED: LicenseExpired,
}


# A licence's status in the messages a person reads.
LICENCE_STATUS_LABELS = {
    Status.VALID: "有效",
    Status.REVOKED: "已吊销",
    Status.CANCELLED: "已注销",
    Status.EXPIRED: "已过期",
}


def _change(session: Session, license: License, *, status: str, reason: str, by: str, at: datetime) -> None:
    if license.status != Status.VALID:
        raise Conflict(f"证照 {license.license_no} {LICENCE_STATUS_LABELS.get(license.status, license.status)}")
    license.status, license.status_reason = status, reason
    license.status_changed_at, license.status_changed_by = at, by
    ended = _EVENT[status](**license_parties(license), status=status, reason=reason, by=by, at=at)
    emit_license_event(session, license, ended)
    log.info("licence %s %s by %s: %s", license.license_no, status, by, reason)


def _load_for_update(session: Session, license_no: str) -> License:
    license = session.scalars(select(License).where(License.license_no == license_no).with_for_update()).first()
    if license is None:
        raise NotFound(f"未找到证照 {license_no}")
    return license


def revoke(session: Session, *, principal: Principal, license_no: str, reason: str) -> License:
    """吊销: the issuing department (or the admin) withdraws the licence as a sanction."""
    license = _load_for_update(session, license_no)
    if not is_issuing_staff(principal, license):
        raise NotFound(f"未找到证照 {license_no}")  # as if absent for anyone else
    _change(session, license, status=Status.REVOKED, reason=reason, by=principal.name, at=utcnow())
    return license


def cancel(session: Session, *, principal: Principal, license_no: str, reason: str) -> License:
    """注销: the holder gives the licence up, or the issuing department cancels it."""
    license = _load_for_update(session, license_no)
    holder = principal.id_number is not None and principal.id_number == license.holder_id_number
    if not (holder or is_issuing_staff(principal, license)):
        raise NotFound(f"未找到证照 {license_no}")
    _change(session, license, status=Status.CANCELLED, reason=reason, by=principal.name, at=utcnow())
    return license


def expire_due(session: Session, *, now: datetime | None = None, limit: int = 500) -> list[str]:
    """Mark valid licences whose period has ended as expired; returns their numbers."""
    now = now or utcnow()
    due = session.scalars(
        select(License)
        .where(License.status == Status.VALID, License.valid_until.is_not(None), License.valid_until <= now)
        .order_by(License.valid_until)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for license in due:
        _change(session, license, status=Status.EXPIRED, reason="有效期届满", by="system", at=now)
    return [license.license_no for license in due]
