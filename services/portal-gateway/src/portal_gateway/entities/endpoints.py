"""Legal persons' accounts, their agents, and acting for an entity (docs/identity.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from gov_common.auth import CurrentPrincipal, TokenIssuer
from gov_common.errors import Forbidden, InvalidField
from gov_common.identity import validate_uscc
from gov_common.params import RowId
from portal_gateway.accounts.endpoints import account_out, identity_verifier, in_unit_of_work
from portal_gateway.accounts.schemas import AccountOut, TokenOut
from portal_gateway.entities import service
from portal_gateway.entities.schemas import ActAsIn, AgentIn, AgentOut, EntityOpenIn, EntityOut
from portal_gateway.models import Account

router = APIRouter(prefix="/api/v1", tags=["legal persons"])


@router.post(
    "/entities",
    status_code=201,
    response_model=AccountOut,
    responses={
        403: {"description": "Not a person at L2, or not the entity's legal representative in the registry"},
        409: {"description": "Already opened by you (account_exists)"},
        422: {"description": "Bad code, or an entity the legal-entity registry does not know (entity_unknown)"},
        503: {"description": "The registry is unavailable; see Retry-After"},
    },
)
async def open_entity(body: EntityOpenIn, request: Request, principal: CurrentPrincipal) -> AccountOut:
    """Open an entity's account as its legal representative (verified against the legal-entity
    registry); the representative then acts for it and may authorise agents."""
    uscc = validate_uscc(body.uscc.upper(), "uscc")
    person = await in_unit_of_work(request, service.representative, principal)
    verification = await identity_verifier(request).verify_entity(
        uscc=uscc, representative_id_number=person.username, representative_name=person.name, purpose="单位账号开户核验"
    )
    if verification.result == "unknown":
        raise InvalidField(
            "uscc",
            "法人库中没有该统一社会信用代码：请到窗口开通账户",
            code="entity_unknown",
        )
    if verification.result != "match":
        raise Forbidden(
            "法人库登记的法定代表人不是您",
            field="uscc",
            code="not_legal_representative",
        )
    entity = await in_unit_of_work(
        request, service.open_entity, uscc=uscc, person=person, entity_name=verification.entity_name or uscc
    )
    return account_out(entity)


@router.get("/entities", response_model=list[EntityOut])
def my_entities(request: Request, principal: CurrentPrincipal) -> list[EntityOut]:
    """The entities the caller may act for: as legal representative or as an authorised agent."""
    if principal.account_type != "person":
        return []
    runtime = request.app.state.runtime
    with runtime.db.session() as session:
        person = session.get(Account, principal.sub)
        return service.my_entities(session, person) if person else []


@router.get(
    "/entities/{uscc}/agents",
    response_model=list[AgentOut],
    responses={403: {"description": "Not its legal representative"}},
)
async def list_agents(uscc: str, request: Request, principal: CurrentPrincipal) -> list[AgentOut]:
    """The entity's agents (经办人), current and revoked, for its legal representative."""

    def work(session: Session) -> list[AgentOut]:
        entity = service.managed_by(session, uscc, service.representative(session, principal))
        return [AgentOut.model_validate(a) for a in service.list_agents(session, entity)]

    return await in_unit_of_work(request, work)


@router.post(
    "/entities/{uscc}/agents",
    status_code=201,
    response_model=AgentOut,
    responses={403: {"description": "Not its legal representative"}, 409: {"description": "Already an agent"}},
)
async def add_agent(uscc: str, body: AgentIn, request: Request, principal: CurrentPrincipal) -> AgentOut:
    """Authorise a person to act for the entity (经办人授权)."""

    def work(session: Session) -> AgentOut:
        person = service.representative(session, principal)
        entity = service.managed_by(session, uscc, person)
        return AgentOut.model_validate(service.add_agent(session, entity, body, by=person))

    return await in_unit_of_work(request, work)


@router.delete(
    "/entities/{uscc}/agents/{agent_id}",
    response_model=AgentOut,
    responses={403: {"description": "Not its legal representative"}, 404: {"description": "No such agent"}},
)
async def revoke_agent(uscc: str, agent_id: RowId, request: Request, principal: CurrentPrincipal) -> AgentOut:
    """Withdraw an agent's authorisation: their tokens for the entity stop working at once."""

    def work(session: Session) -> AgentOut:
        person = service.representative(session, principal)
        entity = service.managed_by(session, uscc, person)
        return AgentOut.model_validate(service.revoke_agent(session, entity, agent_id, by=person))

    return await in_unit_of_work(request, work)


@router.post(
    "/auth/act-as",
    response_model=TokenOut,
    responses={
        403: {"description": "Neither the legal representative nor an agent"},
        404: {"description": "No account"},
    },
)
async def act_as(body: ActAsIn, request: Request, principal: CurrentPrincipal) -> TokenOut:
    """A token to act for an entity; it names the acting person, whose level it carries."""
    issuer: TokenIssuer = request.app.state.token_issuer
    token = await in_unit_of_work(request, service.act_as, issuer, principal=principal, uscc=body.uscc)
    return TokenOut(access_token=token, expires_in=issuer.ttl_seconds)
