"""The electronic-licence library: issue on approval, verify, list a holder's wallet."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_sharing.licenses.schemas import Verification
from data_sharing.licenses.signing import LicenseSigner
from data_sharing.models import License
from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import NotFound
from gov_common.events import Event, EventTypes, Topics
from gov_common.identity import mask_name
from gov_common.messaging import emit
from gov_common.pagination import PageRequest

log = logging.getLogger("data_sharing.licenses")
SOURCE = "/data-sharing"


def issue_for_approved_case(session: Session, event: Event, *, signer: LicenseSigner) -> License | None:
    spec = event.data.get("license")
    if not spec:
        return None  # an approval that produces no licence
    case_no = event.data["case_no"]
    existing = session.scalars(select(License).where(License.case_no == case_no)).first()
    if existing is not None:
        return existing
    now = utcnow().replace(microsecond=0)
    holder = spec["holder"]
    license = License(
        license_no=f"{spec['issuer_department'].upper()}-{now:%Y%m%d}-{secrets.token_hex(5).upper()}",
        license_type=spec["type"],
        name=spec.get("name") or spec["type"],
        holder_id_number=holder["id_number"],
        holder_name=holder["name"],
        holder_type=holder.get("type") or "person",
        issuer_department=spec["issuer_department"],
        case_no=case_no,
        fields=spec.get("fields") or {},
        status="valid",
        issued_at=now,
        valid_until=None,
    )
    signer.sign(license)
    session.add(license)
    session.flush()
    log.info("licence %s issued for case %s", license.license_no, case_no)
    emit(
        session,
        Topics.LICENSE,
        Event.new(
            type=EventTypes.LICENSE_ISSUED,
            source=SOURCE,
            subject=license.license_no,
            data={
                "license_no": license.license_no,
                "license_type": license.license_type,
                "case_no": case_no,
                "holder_id_number": license.holder_id_number,
                "issued_at": license.issued_at.isoformat(),
            },
        ),
    )
    return license


def verify(session: Session, *, license_no: str, signer: LicenseSigner) -> Verification:
    license = session.get(License, license_no)
    if license is None:
        raise NotFound(f"licence {license_no} does not exist")
    signature_ok = signer.signature_valid(license)
    in_period = license.valid_until is None or utcnow() < license.valid_until
    reason = None
    if not signature_ok:
        reason = "签名校验失败：证照内容与签发时不一致"
    elif license.status != "valid":
        reason = f"证照状态为 {license.status}"
    elif not in_period:
        reason = "证照已过有效期"
    return Verification(
        license_no=license.license_no,
        valid=signature_ok and license.status == "valid" and in_period,
        status=license.status,
        signature_valid=signature_ok,
        license_type=license.license_type,
        name=license.name,
        holder_name=mask_name(license.holder_name),
        issuer_department=license.issuer_department,
        issued_at=license.issued_at,
        valid_until=license.valid_until,
        reason=reason,
    )


def wallet(session: Session, *, principal: Principal, page: PageRequest) -> tuple[list[License], int]:
    if not principal.id_number:
        return [], 0
    query = select(License).where(License.holder_id_number == principal.id_number)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    licenses = session.scalars(query.order_by(License.issued_at.desc()).offset(page.offset).limit(page.page_size)).all()
    return list(licenses), total


def get_for(session: Session, *, principal: Principal, license_no: str) -> License:
    license = session.get(License, license_no)
    entitled = license is not None and (
        (principal.id_number is not None and principal.id_number == license.holder_id_number)
        or principal.has_role(Roles.ADMIN)
        or (
            principal.has_role(Roles.REVIEWER, Roles.DEPARTMENT_ADMIN)
            and principal.department == license.issuer_department
        )
    )
    if license is None or not entitled:
        raise NotFound(f"licence {license_no} not found")
    return license
