"""The credit library: departments record red- and black-list entries; the rule engine, staff and
the subject read a subject's status (audited)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.audit.service import AuditLog
from data_sharing.catalogue.access import authorize
from data_sharing.catalogue.builtin import CREDIT
from data_sharing.credit.feed import publish_subject
from data_sharing.credit.models import CreditRecord
from data_sharing.credit.schemas import CreditRecordIn, CreditStatus, StatusRecord
from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound
from gov_common.identity import validate_resident_id, validate_uscc

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(SHANGHAI).date()


def parse_subject(value: str, field: str = "subject") -> tuple[str, str]:
    """(the normalised number, person or entity): a resident ID number or a USCC."""
    value = value.strip().upper()
    try:
        return validate_resident_id(value, field), "person"
    except InvalidField:
        pass
    try:
        return validate_uscc(value, field), "entity"
    except InvalidField:
        raise InvalidField(field, "不是有效的居民身份证号码或统一社会信用代码") from None


def _department(principal: Principal, requested: str | None) -> str:
    if principal.has_role(Roles.ADMIN):
        if not requested:
            raise InvalidField("source_department", "系统管理员录入时应指明来源部门")
        return requested
    if principal.account_type != "staff" or not principal.department:
        raise Forbidden("信用记录由部门工作人员录入")
    if requested not in (None, principal.department):
        raise Forbidden("工作人员只能录入本部门的信用记录", field="source_department")
    return principal.department


def add_record(session: Session, *, principal: Principal, body: CreditRecordIn) -> CreditRecord:
    subject, subject_type = parse_subject(body.subject)
    department = _department(principal, body.source_department)
    if body.valid_until is not None and body.valid_until < body.valid_from:
        raise InvalidField("valid_until", "结束日期早于开始日期")
    record = CreditRecord(
        subject=subject,
        subject_type=subject_type,
        list=body.list,
        reason=body.reason,
        source_department=department,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_at=utcnow(),
        created_by=principal.name,
    )
    session.add(record)
    session.flush()
    publish_subject(session, subject)  # service-management's read model (credit/feed.py)
    return record


def withdraw(session: Session, *, principal: Principal, record_id: int, reason: str) -> CreditRecord:
    """信用修复: the source department (or the admin) withdraws a record."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"信用记录 {record_id} 不存在")
    if not (principal.has_role(Roles.ADMIN) or principal.department == record.source_department):
        raise Forbidden(f"仅 {record.source_department} 部门或系统管理员可以撤销此记录")
    if record.withdrawn_at is not None:
        raise Conflict(f"信用记录 {record_id} 已撤销")
    record.withdrawn_at, record.withdrawn_by, record.withdraw_reason = utcnow(), principal.name, reason
    publish_subject(session, record.subject)
    return record


def status(
    session: Session, *, audit: AuditLog, principal: Principal, subject: str, purpose: str | None
) -> dict[str, Any]:
    number, _kind = parse_subject(subject)
    access = authorize(session, audit=audit, principal=principal, resource=CREDIT, subject=number, purpose=purpose)
    access.record(audit, subject=number)
    day = today()
    records = [
        r
        for r in session.scalars(select(CreditRecord).where(CreditRecord.subject == number).order_by(CreditRecord.id))
        if r.in_force(day)
    ]
    full = CreditStatus(
        subject=number,
        black_listed=any(r.list == "black" for r in records),
        red_listed=any(r.list == "red" for r in records),
        records=[
            StatusRecord(
                list=r.list,
                reason=r.reason,
                source_department=r.source_department,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
            )
            for r in records
        ],
    )
    # A grant may cover only some of the status (e.g. black_listed alone): answer exactly that.
    return access.restrict(full.model_dump(mode="json"))
