"""The gateway tells every service which tokens have ended (docs/identity.md, Revocation): one fact on
`gov.token.v1`, written to the outbox in the transaction that moves a token generation or ends an
agent's authorisation, so the services refuse what the gateway refuses."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gov_common.events import Topics
from gov_common.messaging import emit
from gov_common.revocation import account_revoked, client_revoked, grant_ended
from portal_gateway.models import Account, ClientApplication, EntityAgent

SOURCE = "/portal-gateway"


def account_tokens_end(session: Session, account: Account) -> None:
    """Call after moving `account.token_generation` on: its older tokens end everywhere."""
    emit(
        session,
        Topics.TOKEN,
        account_revoked(source=SOURCE, account_id=account.id, min_generation=account.token_generation),
    )


def client_tokens_end(session: Session, client: ClientApplication) -> None:
    """Call after moving `client.token_generation` on (deactivation, secret rotation)."""
    emit(
        session,
        Topics.TOKEN,
        client_revoked(source=SOURCE, client_id=client.client_id, min_generation=client.token_generation),
    )


def grant_tokens_end(session: Session, agent: EntityAgent) -> None:
    """Call when an agent's authorisation is withdrawn: the tokens issued under it end."""
    emit(session, Topics.TOKEN, grant_ended(source=SOURCE, entity_id=agent.entity_account_id, grant_id=agent.id))
