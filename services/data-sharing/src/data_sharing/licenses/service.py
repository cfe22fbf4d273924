"""The electronic-licence library: issue on approval, register, verify, check, the holder's wallet."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_sharing.audit.service import ANONYMOUS, Actor, AuditLog
from data_sharing.catalogue.access import authorize
from data_sharing.catalogue.builtin import LICENSES
from data_sharing.licenses.models import License, LicenseType
from data_sharing.licenses.schemas import CheckIn, CheckOut, LicenseRegisterIn, Verification
from data_sharing.licenses.signing import FORM_VERSION, LicenseSigner
from gov_common.auth import Principal, Roles
from gov_common.contracts.events import CaseApproved, LicenseEvent, LicenseIssued, LicenseToIssue
from gov_common.db import utcnow
from gov_common.errors import Forbidden, InvalidField, NotFound
from gov_common.events import Event
from gov_common.identity import mask_name, validate_resident_id, validate_uscc
from gov_common.messaging import emit
from gov_common.pagination import PageRequest

log = logging.getLogger("data_sharing.licenses")
SOURCE = "/data-sharing"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TRUST_LEVELS = "ABCD"  # A strongest: issued by the authority; D: declared by the applicant
VERIFY_FIELDS = ["license_type", "name", "holder_name", "issuer_department", "status", "valid_until"]
CHECK_FIELDS = ["license_type", "trust_level", "status", "valid_until"]


class Status:
    VALID = "valid"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class TypeFacts:
    """What issuing needs of a licence type. A type is never changed once registered
    (`types.register_type` refuses an existing code), so a process keeps what it read."""

    name: str
    validity_years: int | None


_TYPE_FACTS: dict[str, TypeFacts] = {}


def type_facts(session: Session, code: str) -> TypeFacts | None:
    """The registered type's facts, read once per process (a type not registered is asked again)."""
    facts = _TYPE_FACTS.get(code)
    if facts is None:
        found = session.get(LicenseType, code)
        if found is None:
            return None
        facts = _TYPE_FACTS.setdefault(code, TypeFacts(name=found.name, validity_years=found.validity_years))
    return facts


def new_license_no(department: str, now: datetime) -> str:
    """Dated by the Beijing day of issue (a licence issued at 01:35 on the 5th carries the 5th)."""
    return f"{department.upper()}-{now.astimezone(SHANGHAI):%Y%m%d}-{secrets.token_hex(5).upper()}"


def _moment(value: Any, *, end_of_day: bool) -> datetime:
    """An ISO date or time from an event. A date means the start of that day in China; as the end
    of a period it means the day is included."""
    if isinstance(value, str) and len(value) == 10:
        day = date.fromisoformat(value)
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time.min, SHANGHAI)
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


def _plus_years(start: datetime, years: int) -> datetime:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def validity_period(
    spec: LicenseToIssue, license_type: LicenseType | TypeFacts | None, issued_at: datetime
) -> tuple[datetime, datetime | None]:
    """(valid_from, valid_until) from the approval's licence spec (`valid_until` given, even as null,
    is the handler's decision), else `validity_years`/`validity_days`, else the type's default."""
    valid_from = _moment(spec.valid_from, end_of_day=False) if spec.valid_from else issued_at
    if "valid_until" in spec.model_fields_set:  # the item's handler decided; null means long-term (长期)
        valid_until: datetime | None = _moment(spec.valid_until, end_of_day=True) if spec.valid_until else None
    elif spec.validity_years:
        valid_until = _plus_years(valid_from, spec.validity_years)
    elif spec.validity_days:
        valid_until = valid_from + timedelta(days=spec.validity_days)
    elif license_type is not None and license_type.validity_years:
        valid_until = _plus_years(valid_from, license_type.validity_years)
    else:
        valid_until = None  # long-term
    if valid_until is not None and valid_until <= valid_from:
        raise ValueError(f"the licence's period ends ({valid_until}) before it starts ({valid_from})")
    return valid_from, valid_until


def issue_for_approved_case(session: Session, event: Event, *, signer: LicenseSigner) -> License | None:
    approval = CaseApproved.of(event)
    spec = approval.license
    if spec is None:
        return None  # an approval that produces no licence
    case_no = approval.case_no
    existing = session.scalars(select(License).where(License.case_no == case_no)).first()
    if existing is not None:
        return existing
    trust_level = spec.trust_level or "A"
    if trust_level not in TRUST_LEVELS:
        raise ValueError(f"unknown trust level {trust_level!r} in the approval of {case_no}")
    now = utcnow().replace(microsecond=0)
    holder = spec.holder
    license_type = type_facts(session, spec.type)
    if license_type is None:
        log.warning("licence type %s of case %s is not registered in the library", spec.type, case_no)
    valid_from, valid_until = validity_period(spec, license_type, now)
    license = License(
        license_no=new_license_no(spec.issuer_department, now),
        license_type=spec.type,
        name=spec.name or (license_type.name if license_type else spec.type),
        holder_id_number=holder.id_number,
        holder_name=holder.name,
        holder_type=holder.type or "person",
        issuer_department=spec.issuer_department,
        case_no=case_no,
        fields=dict(spec.fields),
        status=Status.VALID,
        issued_at=now,
        valid_from=valid_from.astimezone(UTC).replace(microsecond=0),
        valid_until=valid_until.astimezone(UTC).replace(microsecond=0) if valid_until else None,
        trust_level=trust_level,
        form_version=FORM_VERSION,
    )
    signer.sign(license)
    session.add(license)
    session.flush()
    log.info("licence %s issued for case %s", license.license_no, case_no)
    _emit_issued(session, license)
    return license


def emit_license_event(session: Session, license: License, data: LicenseEvent) -> None:
    """Record a licence event (on gov.license.v1, keyed by the licence's number)."""
    emit(session, data.TOPIC, data.to_event(source=SOURCE, subject=license.license_no))


def license_parties(license: License) -> dict[str, Any]:
    """What every licence event says of the licence and its holder (gov_common.contracts.events.LicenseEvent):
    the licence's name and the holder's kind too, for the holder's notifications."""
    return {
        "license_no": license.license_no,
        "license_type": license.license_type,
        "license_name": license.name,
        "case_no": license.case_no,
        "holder_type": "entity" if license.holder_type == "entity" else "person",
        "holder_id_number": license.holder_id_number,
    }


def _emit_issued(session: Session, license: License) -> None:
    issued = LicenseIssued(
        **license_parties(license),
        issued_at=license.issued_at,
        trust_level=license.trust_level,
        valid_until=license.valid_until,
    )
    emit_license_event(session, license, issued)


def register_license(
    session: Session, *, principal: Principal, body: LicenseRegisterIn, signer: LicenseSigner
) -> License:
    """A licence that enters the library other than from a case: staff register B or C (checked
    against the authority, or a digitised copy); an applicant declares their own, always D."""
    license_type = session.get(LicenseType, body.license_type)
    if license_type is None:
        raise InvalidField("license_type", f"证照类型 {body.license_type} 尚未登记")
    if body.holder_type == "person":
        holder = validate_resident_id(body.holder_id_number.upper(), "holder_id_number")
    else:
        holder = validate_uscc(body.holder_id_number.upper(), "holder_id_number")
    if principal.is_applicant:
        if principal.id_number != holder:
            raise Forbidden("申请人只能申报本人的证照", field="holder_id_number")
        if body.trust_level not in (None, "D"):
            raise InvalidField("trust_level", "持证人自行申报的证照可信等级为 D")
        trust_level, issuer = "D", body.issuer_department or license_type.issuer_department
    elif principal.account_type == "staff":
        if body.trust_level not in ("B", "C"):
            raise InvalidField("trust_level", "工作人员登记的证照可信等级为 B 或 C（A 级证照由办件生成）")
        if principal.has_role(Roles.ADMIN):
            issuer = body.issuer_department or license_type.issuer_department
        elif body.issuer_department not in (None, principal.department) or not principal.department:
            raise Forbidden("工作人员只能登记本部门的证照", field="issuer_department")
        else:
            issuer = principal.department
        trust_level = body.trust_level
    else:
        raise Forbidden("证照由工作人员登记或由持证人申报")
    missing = [
        f.get("label") or f["name"] for f in license_type.fields if f.get("required") and f["name"] not in body.fields
    ]
    if missing:
        raise InvalidField("fields", f"证照类型“{license_type.name}”缺少必填内容：{'、'.join(missing)}")
    if body.valid_from is not None and body.valid_from.tzinfo is None:
        raise InvalidField("valid_from", "时间应带时区（如 +08:00）")
    now = utcnow().replace(microsecond=0)
    valid_from = (body.valid_from or now).astimezone(UTC).replace(microsecond=0)
    if body.valid_until is not None and (body.valid_until.tzinfo is None or body.valid_until <= valid_from):
        raise InvalidField("valid_until", "有效期的结束时间应晚于开始时间，且应带时区")
    license = License(
        license_no=new_license_no(issuer, now),
        license_type=license_type.code,
        name=license_type.name,
        holder_id_number=holder,
        holder_name=body.holder_name,
        holder_type=body.holder_type,
        issuer_department=issuer,
        case_no=None,
        fields=body.fields,
        status=Status.VALID,
        issued_at=now,
        valid_from=valid_from,
        valid_until=body.valid_until.astimezone(UTC).replace(microsecond=0) if body.valid_until else None,
        trust_level=trust_level,
        form_version=FORM_VERSION,
    )
    signer.sign(license)
    session.add(license)
    session.flush()
    _emit_issued(session, license)
    return license


def load(session: Session, license_no: str) -> License:
    license = session.get(License, license_no)
    if license is None:
        raise NotFound(f"证照 {license_no} 不存在")
    return license


def _problem(license: License, signer: LicenseSigner, now: datetime) -> str | None:
    """Why the licence is not valid now, or None."""
    if not signer.signature_valid(license):
        return "签名校验失败：证照内容与签发时不一致或非本库签发"
    if license.status != Status.VALID:
        return f"证照状态为 {license.status}"
    if license.valid_from is not None and now < license.valid_from:
        return "证照尚未生效"
    if license.valid_until is not None and now >= license.valid_until:
        return "证照已过有效期"
    return None


def verify(session: Session, *, license_no: str, signer: LicenseSigner, audit: AuditLog) -> Verification:
    license = load(session, license_no)
    audit.record(
        actor=ANONYMOUS,
        action="verify",
        resource=LICENSES,
        fields=VERIFY_FIELDS,
        subject=license.holder_id_number,
        purpose="亮证查验",
    )
    reason = _problem(license, signer, utcnow())
    return Verification(
        license_no=license.license_no,
        valid=reason is None,
        status=license.status,
        signature_valid=signer.signature_valid(license),
        license_type=license.license_type,
        name=license.name,
        holder_name=mask_name(license.holder_name),
        issuer_department=license.issuer_department,
        issued_at=license.issued_at,
        valid_from=license.valid_from,
        valid_until=license.valid_until,
        trust_level=license.trust_level,
        reason=reason,
    )


def check(session: Session, *, audit: AuditLog, principal: Principal, body: CheckIn, signer: LicenseSigner) -> CheckOut:
    """Whether a licence may stand for a material: holder, type, trust level, signature, status, period."""
    access = authorize(
        session,
        audit=audit,
        principal=principal,
        resource=LICENSES,
        subject=body.holder_id_number.upper(),
        fields=CHECK_FIELDS,
        purpose="用证核验",
        action="check",
    )
    access.record(audit, subject=body.holder_id_number.upper(), action="check")
    license = load(session, body.license_no)
    reason: str | None
    if license.holder_id_number != body.holder_id_number.upper():
        reason = "持证人与申请人不符"
    elif license.license_type not in body.accepted_types:
        reason = f"证照类型 {license.license_type} 不在本材料可接受的类型内"
    elif TRUST_LEVELS.index(license.trust_level) > TRUST_LEVELS.index(body.min_trust_level):
        reason = f"证照可信等级 {license.trust_level} 低于要求的 {body.min_trust_level}"
    else:
        reason = _problem(license, signer, utcnow())
    return CheckOut(
        usable=reason is None,
        reason=reason,
        license_type=license.license_type,
        trust_level=license.trust_level,
        status=license.status,
    )


def wallet(
    session: Session,
    *,
    principal: Principal,
    page: PageRequest,
    status: str | None = None,
    license_type: str | None = None,
) -> tuple[list[License], int]:
    if not principal.id_number:
        return [], 0
    query = select(License).where(License.holder_id_number == principal.id_number)
    if status is not None:
        query = query.where(License.status == status)
    if license_type is not None:
        query = query.where(License.license_type == license_type)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    licenses = session.scalars(query.order_by(License.issued_at.desc()).offset(page.offset).limit(page.page_size)).all()
    return list(licenses), total


def is_issuing_staff(principal: Principal, license: License) -> bool:
    """The admin, or staff of the department that issued the licence."""
    return principal.has_role(Roles.ADMIN) or (
        principal.account_type == "staff" and principal.department == license.issuer_department
    )


def get_for(session: Session, *, principal: Principal, license_no: str, audit: AuditLog) -> License:
    license = session.get(License, license_no)
    holder = license is not None and principal.id_number is not None and principal.id_number == license.holder_id_number
    if license is None or not (holder or is_issuing_staff(principal, license)):
        raise NotFound(f"未找到证照 {license_no}")
    if not holder:
        audit.record(
            actor=Actor.of(principal),
            action="read",
            resource=LICENSES,
            fields=["license_no", "holder_id_number", "holder_name", "fields", "status"],
            subject=license.holder_id_number,
            purpose="发证机关查询",
        )
    return license
