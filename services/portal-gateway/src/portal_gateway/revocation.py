"""Tokens that are no longer current are refused at the gateway, before any route runs.

Access tokens are self-contained (the services verify them with the gateway's public key), so a
token would otherwise live until it expires (`GW_TOKEN_TTL_SECONDS`). Each account and each client
application has a token generation; tokens carry it (`tgen`), and the gateway refuses (401
`token_revoked`) a token of an older generation, of an account that no longer exists or of a
deactivated application. The generation moves on when a password is changed or reset at a window
(an account's other sessions end: a stolen password or session stops working) and when an
application is deactivated or its secret rotated.

The check is one primary-key read per authenticated call, made afresh each time so that every
replica refuses a revoked token at once. The platform's own service clients are not checked:
they never leave the cluster. The services behind the gateway (and the gateway's own routes) refuse
the same tokens from the facts the gateway publishes on `gov.token.v1` when it moves a generation or
ends a grant (`portal_gateway.token_events`, `gov_common.revocation`), within a bounded delay
(docs/identity.md, Revocation).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from gov_common.auth import VERIFIED_PRINCIPAL, Principal, TokenVerifier, bearer_token
from gov_common.errors import Unauthorized, database_problem, problem, problem_of
from gov_common.service import ServiceRuntime
from portal_gateway.entities.service import acting_role
from portal_gateway.models import Account, ClientApplication

log = logging.getLogger("portal_gateway.revocation")

# Where a token is not asked for (log-in, registration, password change, keys) nothing is checked.
_UNCHECKED_PREFIXES = ("/api/v1/auth/",)


_accounts = Account.__table__
_ACCOUNT_GENERATION = select(_accounts.c.token_generation).where(_accounts.c.id == bindparam("id"))


def is_current(engine: Engine, principal: Principal) -> bool:
    """Whether the token is of its account's (or application's) current generation. `engine` reads
    without a transaction of its own (autocommit): one round trip for a person's token, instead of
    BEGIN, the read and COMMIT on the hot path of every authenticated call."""
    generation = principal.token_generation or 0
    if principal.actor is None and principal.account_type != "client":
        # The common case, on every authenticated call: one column by primary key, through Core (a
        # connection, no ORM session: a third of the CPU).
        with engine.connect() as connection:
            current = connection.execute(_ACCOUNT_GENERATION, {"id": principal.sub}).scalar()
        return current is not None and current == generation
    with Session(engine) as session:
        if principal.account_type == "client":
            application = session.get(ClientApplication, principal.client_id)
            return application is not None and application.active and application.token_generation == generation
        actor = principal.actor
        assert actor is not None  # a person's own token was read above
        account = session.get(Account, principal.sub)
        if account is None or account.token_generation != generation:
            return False
        # Acting for an entity: the person's own token generation, and their standing to act now
        # (a representative replaced, an agent's authorisation withdrawn, ends such tokens at once).
        person = session.get(Account, actor.get("sub", ""))
        if person is None or str(person.token_generation) != actor.get("tgen"):
            return False
        return acting_role(session, account, person.id, person.username) is not None


def _principal(request: Request, verifier: TokenVerifier) -> Principal | None:
    """The caller of a checked path, when the token verifies; otherwise the route answers for it."""
    if not request.url.path.startswith("/api/v1/") or request.url.path.startswith(_UNCHECKED_PREFIXES):
        return None
    token = bearer_token(request)
    if token is None:
        return None
    try:
        principal = verifier.verify(token)
    except Unauthorized:
        return None
    if principal.is_service or (principal.account_type == "client" and not principal.client_id):
        return None
    return principal


class TokenCheck:
    """ASGI middleware: refuses a verified token that is no longer current (401 `token_revoked`)
    before any route runs. Plain ASGI rather than Starlette's BaseHTTPMiddleware: no extra task and
    stream per request on the gateway's hot path."""

    def __init__(self, app: ASGIApp, *, runtime: ServiceRuntime) -> None:
        self.app = app
        self.runtime = runtime
        # Reads outside a transaction (autocommit): no BEGIN and COMMIT around the one read.
        self.reader = runtime.db.engine.execution_options(isolation_level="AUTOCOMMIT")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        principal = _principal(Request(scope), self.runtime.verifier)
        if principal is not None:
            # The route's own token check (gov_common.auth.get_principal) takes it from here instead of
            # verifying the signature a second time.
            scope.setdefault("state", {})[VERIFIED_PRINCIPAL] = principal
            refusal = await self._refusal(principal)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _refusal(self, principal: Principal) -> Response | None:
        try:
            current = await run_in_threadpool(is_current, self.reader, principal)
        except Exception as exc:
            # Here, outside the routes, an exception would be a 500: overload or an unreachable
            # database is a 503 with Retry-After.
            answer = database_problem(exc)
            if answer is None:
                raise
            log.warning("token check: database %s: %s", answer.code, getattr(exc, "orig", None) or exc)
            return problem_of(answer)
        if current:
            return None
        what = "接入应用的密钥" if principal.account_type == "client" else "账户密码"
        return problem(
            401,
            f"登录凭证已失效：{what}已更改或账户已停用，请重新登录",
            headers={"WWW-Authenticate": "Bearer"},
            code="token_revoked",
        )


def install_token_check(app: FastAPI) -> None:
    app.add_middleware(TokenCheck, runtime=app.state.runtime)
