"""The one place that decides, for one call to a data API, which fields the caller receives.

See docs/data-sharing.md ("Who may read what"). A refusal is written to the audit log before the
403 is raised; an allowed read of personal data is written by `Access.record()` before the data
is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.audit.service import Actor, AuditLog
from data_sharing.catalogue.models import Grant, Resource
from data_sharing.catalogue.permissions import manages
from data_sharing.catalogue.standing import role_grantee
from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.errors import Forbidden, InvalidField, NotFound

SELF_PURPOSE = "本人查询"
STAFF_PURPOSE = "工作人员履职查询"
SERVICE_PURPOSE = "平台服务调用"
NO_PURPOSE = "未说明用途"


@dataclass(frozen=True)
class Access:
    resource: str
    personal: bool
    fields: list[str]
    basis: str  # subject, staff, unconditional, grant, role_grant, public
    purpose: str
    actor: Actor
    grant_id: int | None = None

    def record(self, audit: AuditLog, *, subject: str | None, action: str = "read") -> None:
        """Write the read to the audit log (personal and entity data only)."""
        if self.personal:
            audit.record(
                actor=self.actor,
                action=action,
                resource=self.resource,
                fields=self.fields,
                subject=subject,
                purpose=self.purpose,
            )

    def restrict(self, record: dict[str, Any]) -> dict[str, Any]:
        """Only the fields this access covers, and exactly those."""
        return {name: record.get(name) for name in self.fields}


# A resource's sharing type (GLOSSARY.md) in the reasons a person reads.
SHARING_LABELS = {"unconditional": "无条件共享", "conditional": "有条件共享", "not_shared": "不予共享"}


def parse_fields(value: str | None) -> list[str] | None:
    if value is None or not value.strip():
        return None
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def authorize(
    session: Session,
    *,
    audit: AuditLog,
    principal: Principal,
    resource: str,
    subject: str | None = None,
    fields: Sequence[str] | None = None,
    purpose: str | None = None,
    action: str = "read",
) -> Access:
    found = session.get(Resource, resource)
    if found is None:
        raise NotFound(f"数据目录中没有资源 {resource}")
    names = [f["name"] for f in found.fields]
    unknown = [f for f in fields or [] if f not in names]
    if unknown:
        raise InvalidField(
            "fields", f"{resource} 没有字段 {'、'.join(unknown)}；可用字段：{'、'.join(names)}", code="field_unknown"
        )
    actor = Actor.of(principal)
    allowed, basis, default_purpose, grant_id, refusal = _decide(session, principal, found, subject, names)

    def refuse(reason: str, field: str | None = None) -> Forbidden:
        audit.record(
            actor=actor,
            action=action,
            resource=resource,
            fields=list(fields or []),
            subject=subject,
            purpose=purpose or default_purpose or "",
            outcome="refused",
            reason=reason,
        )
        return Forbidden(reason, field=field, code="field_not_granted" if field else "access_refused")

    if refusal is not None:
        raise refuse(refusal)
    outside = [f for f in fields or [] if f not in allowed]
    if outside:
        raise refuse(f"您对 {resource} 的访问权限不包括以下字段：{'、'.join(outside)}", "fields")
    chosen = [f for f in names if f in (fields or allowed)]
    return Access(
        resource=resource,
        personal=found.personal,
        fields=chosen,
        basis=basis,
        purpose=(purpose or default_purpose)[:500],
        actor=actor,
        grant_id=grant_id,
    )


def _decide(
    session: Session, principal: Principal, resource: Resource, subject: str | None, names: list[str]
) -> tuple[list[str], str, str, int | None, str | None]:
    """(allowed fields, basis, default purpose, grant id, refusal reason or None)."""
    sharing = resource.sharing_type
    if principal.is_applicant:
        if resource.personal and subject is not None and principal.id_number == subject:
            return names, "subject", SELF_PURPOSE, None, None
        if not resource.personal and sharing == "unconditional":
            return names, "public", SELF_PURPOSE, None, None
        return [], "", SELF_PURPOSE, None, f"申请人只能查询 {resource.code} 中本人的记录"
    if principal.account_type == "staff":
        if manages(principal, resource.owner_department) or principal.department == resource.owner_department:
            return names, "staff", STAFF_PURPOSE, None, None
        if sharing == "unconditional":
            return names, "staff", STAFF_PURPOSE, None, None
        if sharing == "conditional":
            # A grant to one of the caller's roles (e.g. the window clerk's standing grant for intake).
            for role in sorted(principal.roles):
                grant, _ = active_grant(session, client_id=role_grantee(role), resource=resource.code)
                if grant is not None:
                    return list(grant.fields), "role_grant", grant.purpose, grant.id, None
        return (
            [],
            "",
            STAFF_PURPOSE,
            None,
            f"{resource.code} 为{SHARING_LABELS.get(sharing, sharing)}资源：其他部门的工作人员需经授权方可查询",
        )
    if principal.account_type == "client" and principal.client_id:
        if sharing == "not_shared":
            return [], "", NO_PURPOSE, None, f"{resource.code} 为不予共享资源"
        if principal.is_service and sharing == "unconditional":
            return names, "unconditional", SERVICE_PURPOSE, None, None
        grant, reason = active_grant(session, client_id=principal.client_id, resource=resource.code)
        if grant is None:
            return [], "", NO_PURPOSE, None, reason
        return list(grant.fields), "grant", grant.purpose, grant.id, None
    return [], "", NO_PURPOSE, None, "无权查询数据"


def active_grant(session: Session, *, client_id: str, resource: str) -> tuple[Grant | None, str]:
    """The client's grant on the resource in force now, or why there is none."""
    now = utcnow()
    grants = session.scalars(
        select(Grant).where(Grant.client_id == client_id, Grant.resource_code == resource).order_by(Grant.id.desc())
    ).all()
    for grant in grants:
        if grant.active_at(now):
            return grant, ""
    if not grants:
        return None, f"接入应用 {client_id} 没有 {resource} 的共享授权"
    latest = grants[0]
    if latest.revoked_at is not None:
        return None, f"接入应用 {client_id} 对 {resource} 的共享授权已被撤销"
    return None, f"接入应用 {client_id} 对 {resource} 的共享授权已于 {latest.valid_until.isoformat()} 到期"
