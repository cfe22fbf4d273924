from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from gov_common.auth import CurrentPrincipal, TokenIssuer
from gov_common.errors import NotFound
from gov_common.service import DbSession, Runtime
from portal_gateway.accounts import service
from portal_gateway.accounts.schemas import AccountOut, RegisterIn, TokenOut
from portal_gateway.models import Account

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


def _out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        account_type=account.account_type,
        username=account.username,
        name=account.name,
        phone=account.phone,
        roles=list(account.roles),
        department_code=account.department_code,
    )


@router.post(
    "/auth/register",
    status_code=201,
    response_model=AccountOut,
    responses={409: {"description": "Already registered"}, 422: {"description": "Invalid field (named)"}},
)
def register(body: RegisterIn, session: DbSession) -> AccountOut:
    """Register a natural person (resident ID number) or a legal person (unified social credit code)."""
    return _out(service.register(session, body))


@router.post("/auth/token", response_model=TokenOut, responses={401: {"description": "Wrong credentials"}})
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: DbSession, runtime: Runtime
) -> TokenOut:
    """Log in (OAuth2 password flow): the user name is the ID number, the credit code or a staff name."""
    account = service.authenticate(
        session, username=form.username, password=form.password, demo_enabled=runtime.settings.seed_demo
    )
    issuer = _issuer(request)
    access_token = issuer.issue(
        sub=account.id,
        account_type=account.account_type,
        name=account.name,
        id_number=account.id_number,
        roles=list(account.roles),
        department=account.department_code,
    )
    return TokenOut(access_token=access_token, expires_in=issuer.ttl_seconds)


@router.get("/auth/jwks")
def jwks(request: Request) -> dict[str, Any]:
    """The public keys that verify access tokens (JWKS)."""
    return _issuer(request).jwks()


@router.get("/me", response_model=AccountOut, responses={401: {"description": "No valid bearer token"}})
def me(principal: CurrentPrincipal, session: DbSession) -> AccountOut:
    """The logged-in account."""
    account = _load(session, principal.sub)
    return _out(account)


def _load(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("account not found")
    return account
