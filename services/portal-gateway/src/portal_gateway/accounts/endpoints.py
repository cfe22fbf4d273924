from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gov_common.auth import CurrentPrincipal, Principal, Roles, TokenIssuer
from gov_common.errors import DomainError, Forbidden, InvalidField, NotFound, Unauthorized
from gov_common.service import DbSession, Runtime, ServiceRuntime
from portal_gateway.accounts import clients, devices, service, totp
from portal_gateway.accounts.schemas import (
    AccountOut,
    PasswordChangeIn,
    RegisterIn,
    TokenOut,
    WalkInAccountIn,
    WalkInAccountOut,
    WalkInResetIn,
)
from portal_gateway.accounts.throttle import LoginThrottle
from portal_gateway.identity.verifier import IdentityVerifier
from portal_gateway.models import Account
from portal_gateway.ratelimit import rate_limited
from portal_gateway.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["accounts"])
T = TypeVar("T")


def identity_verifier(request: Request) -> IdentityVerifier:
    verifier: IdentityVerifier = request.app.state.identity_verifier
    return verifier


async def in_unit_of_work(request: Request, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(session, *args, **kwargs)` in one transaction, in the thread pool (never on the event
    loop, and never across a network call: the caller makes those before or after)."""
    runtime: ServiceRuntime = request.app.state.runtime

    def run() -> T:
        with runtime.db.session() as session:
            return work(session, *args, **kwargs)

    return await run_in_threadpool(run)


def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


def account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        account_type=account.account_type,
        username=account.username,
        name=account.name,
        phone=account.phone,
        roles=list(account.roles),
        department_code=account.department_code,
        assurance_level=None if account.account_type == "staff" else account.assurance_level,
        identity_source=account.identity_source,
    )


@router.post(
    "/auth/register",
    status_code=201,
    response_model=AccountOut,
    responses={
        409: {"description": "Already registered (account_exists): said only to whom gives the number's name"},
        422: {
            "description": "Invalid field (named); identity_mismatch: the name contradicts the registry, "
            "or, for a number the registry does not know, the account registered under it"
        },
        429: {"description": "Too many registrations from this address (code rate_limited); see Retry-After"},
        503: {"description": "Real-name verification is unavailable; see Retry-After"},
    },
    dependencies=[Depends(rate_limited("registration", "rate_registration"))],
)
async def register(body: RegisterIn, request: Request) -> AccountOut:
    """Register a natural person (resident ID number), whose name is verified against the population
    registry (实名核验), or a legal person (unified social credit code)."""
    if body.account_type == "entity":
        raise InvalidField(
            "account_type",
            "法人账户由其法定代表人开通：请先以个人身份注册，再开通法人账户",
            code="entity_opened_by_representative",
        )
    number = service.login_name(body)
    source = await verified_source(request, id_number=number, name=body.name, purpose="注册账号实名核验")
    account = await in_unit_of_work(request, service.register, body, identity_source=source)
    return account_out(account)


async def verified_source(request: Request, *, id_number: str, name: str, purpose: str) -> str:
    """Asks the identity port before anything is written: `registry` when the name matches,
    `unlisted` when the registry does not know the number; a mismatch is refused (422) without
    saying what the registry holds."""
    verification = await identity_verifier(request).verify_person(id_number=id_number, name=name, purpose=purpose)
    if verification.result == "mismatch":
        raise InvalidField("name", service.IDENTITY_MISMATCH, code="identity_mismatch")
    return "registry" if verification.result == "match" else "unlisted"


@router.post(
    "/accounts/walk-in",
    status_code=201,
    response_model=WalkInAccountOut,
    responses={
        403: {"description": "Only a window clerk or the admin opens accounts for applicants"},
        409: {"description": "The applicant already has an account (code account_exists)"},
        422: {"description": "Invalid field (named)"},
    },
)
async def open_walk_in_account(
    body: WalkInAccountIn, principal: CurrentPrincipal, request: Request
) -> WalkInAccountOut:
    """Open a walk-in applicant's online account at the window (窗口代为注册), the identity document
    checked (L3) and the name verified against the registry. The answer carries a one-time initial
    password for the account slip; the first log-in must replace it."""
    window_staff(principal)
    if body.account_type == "person":
        number = service.login_name(body)
        await verified_source(request, id_number=number, name=body.name, purpose="窗口开户实名核验")
    account, initial = await in_unit_of_work(
        request, service.open_at_window, body, clerk=principal.username or principal.name
    )
    return WalkInAccountOut(account=account_out(account), initial_password=initial)


@router.post(
    "/accounts/walk-in/password-reset",
    response_model=WalkInAccountOut,
    responses={
        403: {"description": "Only a window clerk or the admin resets applicants' passwords"},
        404: {"description": "No account with this identity number (code account_not_found)"},
        422: {"description": "Invalid field (named)"},
    },
)
def reset_walk_in_password(
    request: Request, body: WalkInResetIn, principal: CurrentPrincipal, session: DbSession
) -> WalkInAccountOut:
    """Reset a forgotten password at the window (窗口重置密码), after the clerk has checked the
    applicant's identity document: a new one-time initial password for the slip, to be replaced at
    the first log-in; the name's failed log-ins are cleared."""
    window_staff(principal)
    account, initial = service.reset_at_window(
        session, body, clerk=principal.username or principal.name, clerk_name=principal.name
    )
    _throttle(request).clear(session, subject=LoginThrottle.subject(account.username))
    return WalkInAccountOut(account=account_out(account), initial_password=initial)


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def window_staff(principal: Principal) -> None:
    if principal.account_type != "staff" or not principal.has_role(Roles.CLERK, Roles.ADMIN):
        raise Forbidden("仅窗口人员或系统管理员可以为申请人开通账户或重置密码")


@router.post(
    "/auth/password",
    status_code=204,
    response_class=Response,
    responses={
        401: {"description": "Wrong user name or current password"},
        422: {"description": "The new password is too short, too long or unchanged (named)"},
        429: {"description": "Too many failed log-ins for this name or address; see Retry-After"},
    },
)
def change_password(request: Request, body: PasswordChangeIn, session: DbSession) -> Response:
    """Replace a password, knowing the current one; how the initial password from the window is
    replaced before the first log-in. Failures count as failed log-ins for the throttle."""
    with devices.guarded_attempt(request, session, name=body.username):
        service.change_password(session, body)
    return Response(status_code=204)


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={
        400: {"description": "Unsupported grant type"},
        401: {
            "description": "Wrong credentials; a staff second factor missing (totp_required) or wrong (totp_invalid)"
        },
        403: {
            "description": "The initial password must be replaced first (code password_change_required); "
            "staff must enrol a second factor first (totp_enrolment_required)"
        },
        422: {"description": "A required field is missing (named)"},
        429: {
            "description": "Too many failed log-ins for this name or address, or too many token requests "
            "from this address (code rate_limited); see Retry-After"
        },
    },
    # Counted before any secret is checked, whichever the grant and the name.
    dependencies=[Depends(rate_limited("token", "rate_token"))],
)
def token(
    request: Request,
    response: Response,
    session: DbSession,
    runtime: Runtime,
    grant_type: Annotated[str, Form()] = "password",
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=128)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
    totp_code: Annotated[str | None, Form(alias="totp", max_length=16)] = None,
) -> TokenOut:
    """Log in (OAuth2). Password grant: the user name is the ID number, the credit code or a staff
    name, and staff with a second factor give its code (`totp`); a successful log-in makes the
    browser a known device (the HttpOnly cookie `gov_device`), which other callers' failed log-ins
    do not hold back. Client-credentials grant: a client application, with HTTP Basic or form
    credentials."""
    issuer = _issuer(request)
    throttle, address = _throttle(request), _address(request)
    if grant_type == "password":
        if not username:
            raise InvalidField("username", "请输入用户名")
        if not password:
            raise InvalidField("password", "请输入密码")
        with devices.guarded_attempt(request, session, name=username) as device:
            account = service.authenticate(
                session, username=username, password=password, demo_enabled=runtime.settings.seed_demo
            )
            totp.check_second_factor(
                session,
                account,
                code=totp_code,
                required=totp.required_for_staff(request),
                throttle=throttle,
                address=address,
            )
        access_token = service.token_for(issuer, account)
        settings: Settings = runtime.settings  # type: ignore[assignment]
        devices.remember(session, request, response, account, device=device, days=settings.login_device_days)
    elif grant_type == "client_credentials":
        basic = _basic_credentials(request)
        cid, secret = basic if basic else (client_id, client_secret)
        if not cid or not secret:
            raise Unauthorized("需要客户端凭据（HTTP Basic，或 client_id 与 client_secret）")
        # A client's secret is long and random: no ceiling per client, which would let anyone lock
        # a service out; the delays per address remain.
        with throttle.attempt(session, name=f"client:{cid}", address=address, device_id=None, ceiling=False):
            client = clients.authenticate_client(session, client_id=cid, client_secret=secret)
        access_token = issuer.issue(
            sub=f"client:{client.client_id}",
            account_type="client",
            name=client.name,
            id_number=None,
            roles=list(client.roles),
            department=None,
            client_id=client.client_id,
            token_generation=client.token_generation,
        )
    else:
        raise DomainError(f"不支持的授权类型 {grant_type!r}", field="grant_type")
    return TokenOut(access_token=access_token, expires_in=issuer.ttl_seconds)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        cid, _, secret = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("HTTP Basic 凭据格式不正确") from None
    return unquote(cid), unquote(secret)


@router.get("/auth/jwks")
def jwks(request: Request) -> dict[str, Any]:
    """The public keys that verify access tokens (JWKS)."""
    return _issuer(request).jwks()


@router.get("/me", response_model=AccountOut, responses={401: {"description": "No valid bearer token"}})
def me(principal: CurrentPrincipal, session: DbSession) -> AccountOut:
    """The logged-in account."""
    account = _load(session, principal.sub)
    return account_out(account)


def _load(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("未找到该账户")
    return account
