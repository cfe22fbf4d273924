"""`/api/v1/auth/oidc`: sign-in through the provincial unified identity platform.

The browser goes to `login`, is sent to the provider, and comes back to `callback`, which answers
with a redirect to the UI's `/login/oidc` page carrying the gateway's own access token in the
fragment (never in a query string, so it reaches no server log). No database transaction is open
while the provider is called: the login's row is written after discovery and used up before the
code exchange, and the account's work is a unit of its own afterwards.

The state is also bound to the browser that started the sign-in (a cookie named after it, for this
path only): a callback address carried to another browser signs nobody in there, so nobody can be
made to sign in to someone else's account (login CSRF, RFC 6749 section 10.12).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from gov_common.auth import TokenIssuer
from gov_common.db import utcnow
from gov_common.errors import InvalidField, NotFound, Unauthorized
from gov_common.service import Runtime, ServiceRuntime
from portal_gateway.models import Account
from portal_gateway.oidc import service
from portal_gateway.oidc.client import ClientRegistration, OidcClient
from portal_gateway.oidc.schemas import OidcInfoOut
from portal_gateway.settings import Settings

router = APIRouter(prefix="/api/v1/auth/oidc", tags=["accounts"])

# The UI page that takes the token from the fragment and goes on to `return_to`.
UI_LANDING = "/login/oidc"
_COOKIE_PATH = "/api/v1/auth/oidc"


def _binding_cookie(state: str) -> str:
    # One cookie per login, so that two sign-ins started in two tabs do not undo each other.
    return "gov_oidc_" + hashlib.sha256(state.encode()).hexdigest()[:16]


def install_oidc(app: FastAPI, settings: Settings) -> None:
    """The identity provider's client on `app.state.oidc` (None when the sign-in is off), speaking
    through the app's shared HTTP client."""
    app.state.oidc = None
    if settings.oidc_issuer:
        registration = ClientRegistration(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            redirect_uri=settings.oidc_redirect_uri,
            scopes=settings.oidc_scopes,
        )
        app.state.oidc = OidcClient(registration, app.state.http)
    app.include_router(router)


def _client(request: Request) -> OidcClient:
    client: OidcClient | None = request.app.state.oidc
    if client is None:
        raise NotFound("本系统未配置通过统一身份认证平台登录", code="oidc_disabled")
    return client


def _settings(runtime: ServiceRuntime) -> Settings:
    settings: Settings = runtime.settings  # type: ignore[assignment]
    return settings


@router.get("", response_model=OidcInfoOut)
def oidc_info(request: Request, runtime: Runtime) -> OidcInfoOut:
    """Whether the log-in page offers sign-in through the identity platform, and its name."""
    return OidcInfoOut(enabled=request.app.state.oidc is not None, name=_settings(runtime).oidc_display_name)


@router.get(
    "/login",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {"description": "To the identity provider's authorization endpoint"},
        404: {"description": "The sign-in is not configured (code oidc_disabled)"},
        422: {"description": "return_to is not a path of this site (code return_to_invalid)"},
        503: {"description": "The identity provider is unreachable; see Retry-After"},
    },
)
async def login(
    request: Request, runtime: Runtime, return_to: Annotated[str, Query(max_length=300)] = "/"
) -> RedirectResponse:
    """Start a sign-in through the identity platform (authorization code flow with PKCE); after it
    the browser comes back to `return_to`, a path of this site."""
    service.check_return_to(return_to)
    client = _client(request)
    metadata = await client.metadata()

    def _start() -> service.PendingLogin:
        with runtime.db.session() as session:
            return service.start_login(session, return_to=return_to, now=utcnow())

    pending = await run_in_threadpool(_start)
    url = client.authorization_url(
        metadata, state=pending.state, nonce=pending.nonce, code_verifier=pending.code_verifier
    )
    response = RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        _binding_cookie(pending.state),
        pending.state,
        max_age=int(service.LOGIN_TTL.total_seconds()),
        path=_COOKIE_PATH,
        secure=client.registration.redirect_uri.startswith("https://"),
        httponly=True,
        # Lax: sent on the provider's top-level redirect back to the callback, not on cross-site posts.
        samesite="lax",
    )
    return response


@router.get(
    "/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {"description": "To the UI's /login/oidc page, the access token in the fragment"},
        400: {"description": "Unknown, used or expired state, or another browser's (code oidc_state_invalid)"},
        401: {
            "description": "The person declined or the provider refused (oidc_denied), the code was refused "
            "(oidc_code_invalid), or the ID token does not verify (oidc_id_token_invalid, naming the claim)"
        },
        404: {"description": "The sign-in is not configured (code oidc_disabled)"},
        409: {"description": "The identity names an account that cannot be signed in to (oidc_identity_conflict)"},
        422: {"description": "A claim the gateway needs is missing or invalid (named)"},
        503: {"description": "The identity provider is unreachable; see Retry-After"},
    },
)
async def callback(
    request: Request,
    runtime: Runtime,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=1000)] = None,
    iss: Annotated[str | None, Query(max_length=300)] = None,
) -> RedirectResponse:
    """Where the identity provider sends the browser back: the code is exchanged, the ID token
    verified, and the person signed in to their account at L3."""
    client = _client(request)
    settings = _settings(runtime)
    if not state:
        raise service.StateInvalid("登录请求缺少状态参数，请重新登录", field="state")
    given_state: str = state

    def _take() -> service.PendingLogin | None:
        with runtime.db.session() as session:
            return service.take_login(session, state=given_state, now=utcnow())

    pending = await run_in_threadpool(_take)
    if pending is None:
        raise service.StateInvalid("该登录请求无效、已使用或已过期，请重新登录", field="state")
    cookie = _binding_cookie(pending.state)
    if not hmac.compare_digest(request.cookies.get(cookie, "").encode(), pending.state.encode()):
        raise service.StateInvalid("该登录是在另一个浏览器中发起的，请在本浏览器重新登录", field="state")
    if iss is not None and iss != client.registration.issuer:
        # RFC 9207: the answer comes from another provider than the one the browser was sent to.
        raise Unauthorized("登录答复来自另一身份认证平台", code="oidc_issuer_mismatch")
    if error:
        raise Unauthorized(
            f"统一身份认证平台未能完成登录（{error}），请重新登录",
            code="oidc_denied",
            provider_error=error,
        )
    if not code:
        raise InvalidField("code", "统一身份认证平台未返回授权码，请重新登录", code="oidc_code_missing")

    metadata = await client.metadata()
    tokens = await client.exchange(metadata, code=code, code_verifier=pending.code_verifier)
    access = tokens.get("access_token")
    claims = await client.verify_id_token(
        metadata,
        tokens["id_token"],
        nonce=pending.nonce,
        access_token=access if isinstance(access, str) else None,
    )
    identity = service.identity_from_claims(
        claims,
        provider=client.registration.issuer,
        id_number_claim=settings.oidc_id_number_claim,
        name_claim=settings.oidc_name_claim,
    )

    def _sign_in() -> Account:
        with runtime.db.session() as session:
            return service.sign_in(session, identity, provider_name=settings.oidc_display_name, now=utcnow())

    try:
        account = await run_in_threadpool(_sign_in)
    except IntegrityError:
        # A first sign-in of the same person at the same moment on another replica made the account
        # (or the link); this one finds it now.
        account = await run_in_threadpool(_sign_in)
    issuer: TokenIssuer = request.app.state.token_issuer
    access_token = issuer.issue(
        sub=account.id,
        account_type=account.account_type,
        name=account.name,
        id_number=account.id_number,
        roles=list(account.roles),
        department=account.department_code,
        token_generation=account.token_generation,
        assurance_level=account.assurance_level,
    )
    fragment = urlencode(
        {"access_token": access_token, "expires_in": issuer.ttl_seconds, "return_to": pending.return_to}
    )
    response = RedirectResponse(
        f"{UI_LANDING}#{fragment}",
        status_code=302,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
    response.delete_cookie(cookie, path=_COOKIE_PATH)
    return response
