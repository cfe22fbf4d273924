from __future__ import annotations

from fastapi import APIRouter

from data_sharing.deps import Audit
from data_sharing.identity import service
from data_sharing.identity.schemas import EntityVerificationIn, PersonVerificationIn, VerificationOut
from gov_common.auth import CurrentPrincipal
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/identity", tags=["real-name verification"])
_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "Only the platform's own services verify identities"},
    422: {"description": "Bad identifier (named)"},
}


@router.post("/persons/verify", response_model=VerificationOut, responses=_RESPONSES)
def verify_person(
    body: PersonVerificationIn, principal: CurrentPrincipal, session: DbSession, audit: Audit
) -> VerificationOut:
    """Real-name verification: does the name match the population registry for this number (audited)."""
    return service.verify_person(session, audit=audit, principal=principal, body=body)


@router.post("/entities/verify", response_model=VerificationOut, responses=_RESPONSES)
def verify_entity(
    body: EntityVerificationIn, principal: CurrentPrincipal, session: DbSession, audit: Audit
) -> VerificationOut:
    """Is this person the legal representative of this entity in the legal-entity registry (audited)."""
    return service.verify_entity(session, audit=audit, principal=principal, body=body)
