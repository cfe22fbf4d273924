"""Entity accounts: only the legal representative opens one (matched to the legal-entity registry
at L2 or above); they authorise agents, and either acts for the entity with a token that names the
acting person (RFC 8693 `act`). See docs/identity.md."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.auth import Assurance, Principal, TokenIssuer, check_assurance
from gov_common.db import utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound, Unauthorized
from gov_common.identity import validate_resident_id, validate_uscc
from portal_gateway import passwords
from portal_gateway.accounts.service import notify
from portal_gateway.entities.schemas import AgentIn, EntityOut
from portal_gateway.models import Account, EntityAgent
from portal_gateway.notifications import texts
from portal_gateway.token_events import account_tokens_end, grant_tokens_end

_hasher = passwords.hasher()
REPRESENTATIVE, AGENT = "representative", "agent"


def representative(session: Session, principal: Principal) -> Account:
    """The calling person's account, at L2 or above: who may open an entity or manage its agents."""
    if principal.account_type != "person":
        raise Forbidden("此操作由自然人（法定代表人）办理", code="not_a_person")
    check_assurance(principal, Assurance.L2)
    account = session.get(Account, principal.sub)
    if account is None:
        raise NotFound("未找到该账户")
    return account


def open_entity(session: Session, *, uscc: str, person: Account, entity_name: str) -> Account:
    """The representative (verified by the caller against the registry) opens the entity's account.
    An account someone else registered under the code before is taken over by the representative:
    its sessions end."""
    entity = session.scalars(select(Account).where(Account.username == uscc)).first()
    now = utcnow()
    if entity is not None:
        if entity.representative_account_id == person.id:
            raise Conflict("您已开通该法人的账户", field="uscc", code="account_exists")
        entity.token_generation += 1
        account_tokens_end(session, entity)
        entity.reclaimed_by, entity.reclaimed_at = person.username, now
    else:
        entity = Account(
            id=str(uuid.uuid4()),
            account_type="entity",
            username=uscc,
            roles=[],
            is_demo=False,
            # No password: an entity acts only through a person (act-as).
            password_hash=_hasher.hash(secrets.token_urlsafe(32)),
        )
        session.add(entity)
    entity.name = entity_name
    entity.phone = person.phone
    entity.representative_account_id = person.id
    entity.assurance_level = Assurance.L2
    entity.identity_source = "registry"
    entity.assurance_raised_by, entity.assurance_raised_at = person.username, now
    session.flush()
    return entity


def _entity(session: Session, uscc: str) -> Account:
    code = validate_uscc(uscc.upper(), "uscc")
    entity = session.scalars(select(Account).where(Account.username == code, Account.account_type == "entity")).first()
    if entity is None:
        raise NotFound("该法人尚未开通账户", field="uscc", code="account_not_found")
    return entity


def _active_agent(session: Session, entity: Account, id_number: str) -> EntityAgent | None:
    return session.scalars(
        select(EntityAgent).where(
            EntityAgent.entity_account_id == entity.id,
            EntityAgent.person_id_number == id_number,
            EntityAgent.revoked_at.is_(None),
        )
    ).first()


def managed_by(session: Session, uscc: str, person: Account) -> Account:
    entity = _entity(session, uscc)
    if entity.representative_account_id != person.id:
        raise Forbidden("仅法人的法定代表人可以管理其经办人", code="not_legal_representative")
    return entity


def list_agents(session: Session, entity: Account) -> list[EntityAgent]:
    return list(
        session.scalars(
            select(EntityAgent).where(EntityAgent.entity_account_id == entity.id).order_by(EntityAgent.id.desc())
        )
    )


def add_agent(session: Session, entity: Account, body: AgentIn, *, by: Account) -> EntityAgent:
    number = validate_resident_id(body.id_number.upper(), "id_number")
    if number == by.username:
        raise InvalidField("id_number", "法定代表人本身即可代表法人办理", code="agent_is_representative")
    if _active_agent(session, entity, number) is not None:
        raise Conflict("此人已是该法人的经办人", field="id_number", code="agent_exists")
    agent = EntityAgent(
        entity_account_id=entity.id,
        person_id_number=number,
        person_name=body.name,
        granted_by=by.id,
        granted_at=utcnow(),
    )
    session.add(agent)
    session.flush()
    agent_account = session.scalars(select(Account).where(Account.username == number)).first()
    if agent_account is not None:
        notify(session, agent_account, texts.agent_granted(entity=entity.name), event_type="gov.account.agent_granted")
    return agent


def revoke_agent(session: Session, entity: Account, agent_id: int, *, by: Account) -> EntityAgent:
    agent = session.get(EntityAgent, agent_id)
    if agent is None or agent.entity_account_id != entity.id:
        raise NotFound("未找到该法人的此经办人", code="agent_not_found")
    if agent.revoked_at is None:
        agent.revoked_at, agent.revoked_by = utcnow(), by.id
        grant_tokens_end(session, agent)
    return agent


def my_entities(session: Session, person: Account) -> list[EntityOut]:
    represented = session.scalars(
        select(Account).where(Account.account_type == "entity", Account.representative_account_id == person.id)
    ).all()
    out = [
        EntityOut(uscc=e.username, name=e.name, role=REPRESENTATIVE, representative_name=person.name)
        for e in represented
    ]
    agencies = session.execute(
        select(Account, EntityAgent)
        .join(EntityAgent, EntityAgent.entity_account_id == Account.id)
        .where(EntityAgent.person_id_number == person.username, EntityAgent.revoked_at.is_(None))
    ).all()
    for entity, _agent in agencies:
        rep = session.get(Account, entity.representative_account_id) if entity.representative_account_id else None
        out.append(
            EntityOut(uscc=entity.username, name=entity.name, role=AGENT, representative_name=rep.name if rep else None)
        )
    return out


def acting_role(session: Session, entity: Account, person_account_id: str, person_id_number: str | None) -> str | None:
    """How a person stands to the entity now: representative, agent, or None (may not act)."""
    if entity.representative_account_id == person_account_id:
        return REPRESENTATIVE
    if person_id_number and _active_agent(session, entity, person_id_number) is not None:
        return AGENT
    return None


def act_as(session: Session, issuer: TokenIssuer, *, principal: Principal, uscc: str) -> str:
    """A token for the entity naming the acting person; its level is the person's."""
    if principal.account_type != "person":
        raise Forbidden("代表法人办理的应为自然人", code="not_a_person")
    person = session.get(Account, principal.sub)
    if person is None or person.token_generation != (principal.token_generation or 0):
        raise Unauthorized("登录凭证已失效，请重新登录", code="token_revoked")
    entity = _entity(session, uscc)
    role = acting_role(session, entity, principal.sub, principal.id_number)
    if role is None:
        raise Forbidden("您既不是该法人的法定代表人，也不是其授权的经办人", code="not_an_agent")
    # The standing the token is issued under, so that every service can refuse it when it ends: an
    # agent's authorisation by its id (a renewed one is a new id); a representative's ends only with
    # a take-over, which moves the entity's generation.
    standing = {"role": role}
    if role == AGENT:
        agent = _active_agent(session, entity, principal.id_number or "")
        if agent is not None:
            standing["grant"] = str(agent.id)
    return issuer.issue(
        sub=entity.id,
        account_type="entity",
        name=entity.name,
        id_number=entity.username,
        roles=[],
        department=None,
        token_generation=entity.token_generation,
        assurance_level=principal.assurance_level,
        # The person's own generation too: their password change ends their tokens for the entity.
        actor={
            "sub": principal.sub,
            "idn": principal.id_number or "",
            "name": principal.name,
            "tgen": str(person.token_generation),
            **standing,
        },
    )
