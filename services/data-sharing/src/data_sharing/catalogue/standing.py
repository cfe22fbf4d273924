"""Standing grants to staff roles: what the platform's own staff need of conditionally shared data
to do their work, on record like any grant.

A grant's grantee is a client application (`app-…`, a service client) or a staff role, written
`role:<role>` (`role_grantee`). The platform keeps one standing grant per entry of
`STANDING_GRANTS`, made at start-up: a window clerk (一窗受理) verifies a walk-in applicant's
identity against the population and legal-entity registries, with the few fields intake needs and
nothing more. Each read is audited under the grant's purpose, so the person sees it in "who read my
data". A standing grant that expired is renewed at start-up; one the owning department revoked
stays revoked (their decision holds until they approve a new access request for `role:clerk`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.catalogue.models import AccessRequest, Grant, Resource
from gov_common.auth import Roles
from gov_common.db import utcnow

ROLE_PREFIX = "role:"
PLATFORM = "平台预置"
INTAKE_PURPOSE = "一窗受理核验身份"


def role_grantee(role: str) -> str:
    return f"{ROLE_PREFIX}{role}"


@dataclass(frozen=True)
class StandingGrant:
    role: str
    resource: str
    fields: tuple[str, ...]
    purpose: str
    grantee_name: str


STANDING_GRANTS = (
    StandingGrant(
        role=Roles.CLERK,
        resource="population",
        fields=("name", "gender", "birth_date", "residence_address"),
        purpose=INTAKE_PURPOSE,
        grantee_name="综合窗口人员",
    ),
    StandingGrant(
        role=Roles.CLERK,
        resource="legal-entities",
        fields=("name", "entity_type", "legal_representative", "address", "status"),
        purpose=INTAKE_PURPOSE,
        grantee_name="综合窗口人员",
    ),
)


def sync_standing_grants(session: Session, *, valid_days: int) -> None:
    now = utcnow()
    for standing in STANDING_GRANTS:
        if session.get(Resource, standing.resource) is None:
            continue
        grantee = role_grantee(standing.role)
        latest = session.scalars(
            select(Grant)
            .where(Grant.client_id == grantee, Grant.resource_code == standing.resource)
            .order_by(Grant.id.desc())
            .limit(1)
        ).first()
        if latest is not None and (latest.revoked_at is not None or latest.active_at(now)):
            continue  # in force, or revoked by the owning department: leave it as it is
        request = AccessRequest(
            resource_code=standing.resource,
            client_id=grantee,
            client_name=standing.grantee_name,
            fields=list(standing.fields),
            purpose=standing.purpose,
            valid_days=valid_days,
            status="approved",
            requested_by=PLATFORM,
            requested_at=now,
            decided_by=PLATFORM,
            decided_at=now,
            decision_reason="平台预置的岗位授权" if latest is None else "平台预置的岗位授权到期续期",
        )
        session.add(request)
        session.flush()
        grant = Grant(
            request_id=request.id,
            resource_code=standing.resource,
            client_id=grantee,
            fields=list(standing.fields),
            purpose=standing.purpose,
            valid_from=now,
            valid_until=now + timedelta(days=valid_days),
            granted_by=PLATFORM,
        )
        session.add(grant)
        session.flush()
        request.grant_id = grant.id
