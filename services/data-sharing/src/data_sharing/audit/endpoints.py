from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from data_sharing.audit import service
from data_sharing.audit.schemas import AuditEntryOut, ChainVerification, DataAccessOut, Reader
from data_sharing.deps import Audit
from gov_common.auth import AssuredL2, CurrentPrincipal, Principal, Roles
from gov_common.errors import Forbidden
from gov_common.pagination import Page
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
_ADMIN: dict[int | str, dict[str, Any]] = {403: {"description": "Not the admin"}}


def _admin(principal: Principal) -> None:
    if not principal.has_role(Roles.ADMIN):
        raise Forbidden("only the admin reads the audit log")


@router.get("/verify", response_model=ChainVerification, responses=_ADMIN)
def verify_chain(principal: CurrentPrincipal, session: DbSession, audit: Audit) -> ChainVerification:
    """Verify the hash chain; names the first entry that was altered or removed."""
    _admin(principal)
    return service.verify_chain(session, key=audit.key)


@router.get("/entries", response_model=list[AuditEntryOut], responses=_ADMIN)
def list_entries(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Page,
    response: Response,
    subject: Annotated[str | None, Query(max_length=18)] = None,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    client_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEntryOut]:
    """Audit entries, newest first, by subject, resource or client application."""
    _admin(principal)
    entries, total = service.list_entries(
        session, page=page, subject=subject.upper() if subject else None, resource=resource, client_id=client_id
    )
    page.describe(response, total)
    return [AuditEntryOut.model_validate(e) for e in entries]


@router.get("/my-data-access", response_model=list[DataAccessOut], responses={403: {"description": "Not an applicant"}})
def my_data_access(principal: AssuredL2, session: DbSession, page: Page, response: Response) -> list[DataAccessOut]:
    """Who read my data (and who was refused), when, through which application and for what."""
    if not principal.is_applicant or not principal.id_number:
        raise Forbidden("this lists the reads of a person's or an entity's own data")
    entries, total = service.list_entries(session, page=page, subject=principal.id_number, exclude_actor=principal.sub)
    page.describe(response, total)
    return [
        DataAccessOut(
            at=e.at,
            reader=Reader(kind=e.actor_kind, name=e.actor_name, department=e.actor_department, client_id=e.client_id),
            resource=e.resource,
            fields=list(e.fields),
            purpose=e.purpose,
            outcome=e.outcome,
        )
        for e in entries
    ]
