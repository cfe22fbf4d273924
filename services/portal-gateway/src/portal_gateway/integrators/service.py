"""Registering and managing integrators' client applications (admin only). The platform's own
service clients (GW_SERVICE_CLIENTS) are not managed here and cannot be reached through it."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import Forbidden, NotFound
from gov_common.pagination import PageRequest
from portal_gateway import passwords
from portal_gateway.integrators.models import IntegratorProfile
from portal_gateway.integrators.schemas import ClientApplicationIn, ClientApplicationPatch
from portal_gateway.models import ClientApplication
from portal_gateway.token_events import client_tokens_end

_hasher = passwords.hasher()
Integrator = tuple[ClientApplication, IntegratorProfile]


def require_admin(principal: Principal) -> None:
    if not principal.has_role(Roles.ADMIN):
        raise Forbidden("仅系统管理员可以管理接入应用")


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def register(session: Session, *, principal: Principal, body: ClientApplicationIn) -> tuple[Integrator, str]:
    require_admin(principal)
    client_id = f"app-{secrets.token_hex(6)}"
    secret = _new_secret()
    now = utcnow()
    client = ClientApplication(
        client_id=client_id,
        name=body.name,
        secret_hash=_hasher.hash(secret),
        roles=[Roles.INTEGRATOR],
        active=True,
        created_at=now,
    )
    profile = IntegratorProfile(
        client_id=client_id,
        description=body.description,
        contact=body.contact,
        department_code=body.department_code,
        created_by=principal.name,
        updated_at=now,
    )
    session.add(client)
    session.flush()
    session.add(profile)
    session.flush()
    return (client, profile), secret


def get(session: Session, *, principal: Principal, client_id: str) -> Integrator:
    require_admin(principal)
    row = session.execute(
        select(ClientApplication, IntegratorProfile)
        .join(IntegratorProfile, IntegratorProfile.client_id == ClientApplication.client_id)
        .where(ClientApplication.client_id == client_id)
    ).first()
    if row is None:
        raise NotFound(f"未找到接入应用 {client_id}")
    return row[0], row[1]


def list_all(
    session: Session, *, principal: Principal, page: PageRequest, active: bool | None = None
) -> tuple[list[Integrator], int]:
    require_admin(principal)
    query = select(ClientApplication, IntegratorProfile).join(
        IntegratorProfile, IntegratorProfile.client_id == ClientApplication.client_id
    )
    if active is not None:
        query = query.where(ClientApplication.active.is_(active))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(ClientApplication.created_at.desc(), ClientApplication.client_id)
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return [(r[0], r[1]) for r in rows], total


def update(session: Session, *, principal: Principal, client_id: str, body: ClientApplicationPatch) -> Integrator:
    client, profile = get(session, principal=principal, client_id=client_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name") is not None:
        client.name = changes["name"]
    if changes.get("active") is not None:
        if client.active and not changes["active"]:
            client.token_generation += 1
            client_tokens_end(session, client)
        client.active = changes["active"]
    for name in ("description", "contact"):
        if changes.get(name) is not None:
            setattr(profile, name, changes[name])
    if "department_code" in changes:
        profile.department_code = changes["department_code"]
    profile.updated_at = utcnow()
    return client, profile


def rotate_secret(session: Session, *, principal: Principal, client_id: str) -> tuple[Integrator, str]:
    client, profile = get(session, principal=principal, client_id=client_id)
    secret = _new_secret()
    client.secret_hash = _hasher.hash(secret)
    # Rotating a leaked secret must also end the tokens obtained with it.
    client.token_generation += 1
    client_tokens_end(session, client)
    profile.updated_at = utcnow()
    return (client, profile), secret
