from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from gov_common.auth import CurrentPrincipal
from gov_common.pagination import Page
from gov_common.service import DbSession
from portal_gateway.integrators import service
from portal_gateway.integrators.schemas import (
    ClientApplicationIn,
    ClientApplicationOut,
    ClientApplicationPatch,
    ClientApplicationWithSecret,
)

router = APIRouter(prefix="/api/v1/client-applications", tags=["integrators"])
_ADMIN: dict[int | str, dict[str, Any]] = {403: {"description": "Not the admin"}}
_FOUND: dict[int | str, dict[str, Any]] = {**_ADMIN, 404: {"description": "No such integrator application"}}


def _out(integrator: service.Integrator) -> dict[str, Any]:
    client, profile = integrator
    return {
        "client_id": client.client_id,
        "name": client.name,
        "description": profile.description,
        "contact": profile.contact,
        "department_code": profile.department_code,
        "roles": list(client.roles),
        "active": client.active,
        "created_at": client.created_at,
        "created_by": profile.created_by,
    }


@router.post("", status_code=201, response_model=ClientApplicationWithSecret, responses=_ADMIN)
def register(body: ClientApplicationIn, principal: CurrentPrincipal, session: DbSession) -> ClientApplicationWithSecret:
    """Register an integrator's client application; the secret is shown only in this answer."""
    integrator, secret = service.register(session, principal=principal, body=body)
    return ClientApplicationWithSecret(**_out(integrator), client_secret=secret)


@router.get("", response_model=list[ClientApplicationOut], responses=_ADMIN)
def list_applications(
    principal: CurrentPrincipal, session: DbSession, page: Page, response: Response, active: bool | None = None
) -> list[ClientApplicationOut]:
    """Integrators' client applications, newest first."""
    integrators, total = service.list_all(session, principal=principal, page=page, active=active)
    page.describe(response, total)
    return [ClientApplicationOut(**_out(i)) for i in integrators]


@router.get("/{client_id}", response_model=ClientApplicationOut, responses=_FOUND)
def get_application(client_id: str, principal: CurrentPrincipal, session: DbSession) -> ClientApplicationOut:
    """One integrator's client application."""
    return ClientApplicationOut(**_out(service.get(session, principal=principal, client_id=client_id)))


@router.patch("/{client_id}", response_model=ClientApplicationOut, responses=_FOUND)
def update_application(
    client_id: str, body: ClientApplicationPatch, principal: CurrentPrincipal, session: DbSession
) -> ClientApplicationOut:
    """Change the profile, or deactivate (`active: false`: no new tokens) and reactivate."""
    return ClientApplicationOut(**_out(service.update(session, principal=principal, client_id=client_id, body=body)))


@router.post("/{client_id}/secret", response_model=ClientApplicationWithSecret, responses=_FOUND)
def rotate_secret(client_id: str, principal: CurrentPrincipal, session: DbSession) -> ClientApplicationWithSecret:
    """Issue a new secret (the old one stops working at once); shown only in this answer."""
    integrator, secret = service.rotate_secret(session, principal=principal, client_id=client_id)
    return ClientApplicationWithSecret(**_out(integrator), client_secret=secret)
