from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from data_sharing.catalogue import service
from data_sharing.catalogue.models import Grant
from data_sharing.catalogue.schemas import (
    AccessRequestIn,
    AccessRequestOut,
    DecisionIn,
    GrantOut,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
    RevokeIn,
    SharingType,
)
from data_sharing.deps import DsSettings
from gov_common.auth import CurrentPrincipal
from gov_common.pagination import Page
from gov_common.params import RowId
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/catalogue", tags=["data catalogue"])
_FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "Not the admin or the owning department"}}


def _grant_out(session: Session, grant: Grant, names: dict[int, str] | None = None) -> GrantOut:
    values = {name: getattr(grant, name) for name in GrantOut.model_fields if name not in ("status", "client_name")}
    names = names if names is not None else service.grantee_names(session, [grant])
    return GrantOut(
        **values, client_name=names.get(grant.request_id, grant.client_id), status=service.grant_status(grant)
    )


@router.get("/resources", response_model=list[ResourceOut])
def list_resources(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Page,
    response: Response,
    owner: Annotated[str | None, Query(max_length=32)] = None,
    sharing_type: SharingType | None = None,
) -> list[ResourceOut]:
    """The data catalogue: every registered resource with its owner, fields and sharing type."""
    resources, total = service.list_resources(session, page=page, owner=owner, sharing_type=sharing_type)
    page.describe(response, total)
    return [ResourceOut.model_validate(r) for r in resources]


@router.get("/resources/{code}", response_model=ResourceOut, responses={404: {"description": "Not registered"}})
def get_resource(code: str, principal: CurrentPrincipal, session: DbSession) -> ResourceOut:
    """One resource of the catalogue."""
    return ResourceOut.model_validate(service.get_resource(session, code=code))


@router.post(
    "/resources", status_code=201, response_model=ResourceOut, responses={**_FORBIDDEN, 409: {"description": "Taken"}}
)
def register_resource(body: ResourceIn, principal: CurrentPrincipal, session: DbSession) -> ResourceOut:
    """Register a department's resource in the catalogue."""
    return ResourceOut.model_validate(service.register_resource(session, principal=principal, body=body))


@router.patch("/resources/{code}", response_model=ResourceOut, responses=_FORBIDDEN)
def update_resource(code: str, body: ResourcePatch, principal: CurrentPrincipal, session: DbSession) -> ResourceOut:
    """Change a resource's name, description, sharing type or update frequency."""
    return ResourceOut.model_validate(service.update_resource(session, principal=principal, code=code, body=body))


@router.post(
    "/access-requests",
    status_code=201,
    response_model=AccessRequestOut,
    responses={403: {"description": "Not a client application"}, 422: {"description": "Bad field (named)"}},
)
def request_access(
    body: AccessRequestIn, principal: CurrentPrincipal, session: DbSession, settings: DsSettings
) -> AccessRequestOut:
    """Ask for fields of a resource, stating the purpose (unconditional: granted at once)."""
    return AccessRequestOut.model_validate(
        service.request_access(session, principal=principal, body=body, max_days=settings.grant_max_days)
    )


@router.get("/access-requests", response_model=list[AccessRequestOut])
def list_requests(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Page,
    response: Response,
    status: Annotated[str | None, Query(pattern="^(pending|approved|refused)$")] = None,
) -> list[AccessRequestOut]:
    """Access requests the caller may see (its own, its department's resources', or all for the admin)."""
    requests, total = service.list_requests(session, principal=principal, page=page, status=status)
    page.describe(response, total)
    return [AccessRequestOut.model_validate(r) for r in requests]


@router.get("/access-requests/{request_id}", response_model=AccessRequestOut, responses={404: {"description": "None"}})
def get_request(request_id: RowId, principal: CurrentPrincipal, session: DbSession) -> AccessRequestOut:
    """One access request."""
    return AccessRequestOut.model_validate(service.get_request(session, principal=principal, request_id=request_id))


@router.post(
    "/access-requests/{request_id}/decision",
    response_model=AccessRequestOut,
    responses={**_FORBIDDEN, 409: {"description": "Already decided"}},
)
def decide(request_id: RowId, body: DecisionIn, principal: CurrentPrincipal, session: DbSession) -> AccessRequestOut:
    """The owning department approves (possibly fewer fields, shorter) or refuses (with a reason)."""
    return AccessRequestOut.model_validate(
        service.decide(session, principal=principal, request_id=request_id, body=body)
    )


@router.get("/grants", response_model=list[GrantOut])
def list_grants(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Page,
    response: Response,
    client_id: Annotated[str | None, Query(max_length=64)] = None,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    active: bool = False,
) -> list[GrantOut]:
    """Grants the caller may see; `active=true` for those in force now."""
    grants, total = service.list_grants(
        session, principal=principal, page=page, client_id=client_id, resource=resource, active_only=active
    )
    page.describe(response, total)
    names = service.grantee_names(session, grants)
    return [_grant_out(session, g, names) for g in grants]


@router.post(
    "/grants/{grant_id}/revoke", response_model=GrantOut, responses={**_FORBIDDEN, 409: {"description": "Revoked"}}
)
def revoke_grant(grant_id: RowId, body: RevokeIn, principal: CurrentPrincipal, session: DbSession) -> GrantOut:
    """End a grant now."""
    revoked = service.revoke_grant(session, principal=principal, grant_id=grant_id, reason=body.reason)
    return _grant_out(session, revoked)
