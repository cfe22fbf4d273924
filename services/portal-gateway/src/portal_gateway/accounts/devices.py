"""Known devices (OWASP "device cookies"): a successful password log-in leaves an HttpOnly cookie
with a random token in the browser (or any client that keeps cookies), and the gateway keeps the
token's SHA-256 with the account. A later log-in to that account presenting it comes from a known
device, which strangers' failed log-ins do not hold back (`portal_gateway.accounts.throttle`).

The cookie is sent only to `/api/v1/auth/` (SameSite=Strict, Secure over https and in production)
and holds the tokens of the last few accounts that logged in from the browser, so that a family's
shared computer is known to each of them. A device is known for `GW_LOGIN_DEVICE_DAYS` from its
last log-in, and only under the account's current token generation: a password change, a reset at
the window or a reclaim makes every device a stranger again. An account keeps at most
`MAX_PER_ACCOUNT` devices, the most recently used.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gov_common.db import utcnow
from portal_gateway.accounts.throttle import LoginThrottle
from portal_gateway.models import Account, KnownDevice
from portal_gateway.ratelimit import client_address

COOKIE = "gov_device"
COOKIE_PATH = "/api/v1/auth/"
# Tokens of different accounts one cookie holds; the oldest goes first.
MAX_PER_COOKIE = 5
MAX_PER_ACCOUNT = 20
_TOKEN_BYTES = 32


@dataclass(frozen=True)
class Device:
    """A device the account being logged in to knows: its row and the token the cookie holds."""

    id: str
    token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _tokens(request: Request) -> list[str]:
    raw = request.cookies.get(COOKIE, "")
    return [t for t in raw.split(".") if 0 < len(t) <= 64][:MAX_PER_COOKIE]


def recognise(session: Session, request: Request, *, subject: str) -> Device | None:
    """The caller's device, if its cookie holds a current token of the account named `subject`
    (a throttle subject: the user name as `LoginThrottle.subject` makes it)."""
    tokens = {_hash(t): t for t in _tokens(request)}
    if not tokens:
        return None
    rows = session.execute(
        select(KnownDevice, Account)
        .join(Account, Account.id == KnownDevice.account_id)
        .where(KnownDevice.token_hash.in_(tokens), KnownDevice.expires_at > utcnow())
    ).all()
    for device, account in rows:
        if LoginThrottle.subject(account.username) == subject and device.token_generation == account.token_generation:
            return Device(id=device.id, token=tokens[device.token_hash])
    return None


def remember(
    session: Session, request: Request, response: Response, account: Account, *, device: Device | None, days: int
) -> None:
    """After a successful log-in: the device is known (again) for `days`, and the cookie says so."""
    now = utcnow()
    row = session.get(KnownDevice, device.id) if device is not None else None
    if row is not None and device is not None:
        token = device.token
    else:
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        row = KnownDevice(
            id=str(uuid.uuid4()),
            account_id=account.id,
            token_hash=_hash(token),
            token_generation=account.token_generation,
            created_at=now,
        )
        session.add(row)
    row.last_used_at, row.expires_at = now, now + timedelta(days=days)
    session.flush()
    _prune(session, account.id)
    others = [t for t in _tokens(request) if t != token]
    value = ".".join([*others[-(MAX_PER_COOKIE - 1) :], token])
    settings = request.app.state.runtime.settings
    response.set_cookie(
        COOKIE,
        value,
        max_age=days * 86400,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or settings.environment == "production",
    )


def _prune(session: Session, account_id: str) -> None:
    """Expired devices of the account go, and beyond `MAX_PER_ACCOUNT` the least recently used."""
    session.execute(delete(KnownDevice).where(KnownDevice.account_id == account_id, KnownDevice.expires_at <= utcnow()))
    keep = (
        select(KnownDevice.id)
        .where(KnownDevice.account_id == account_id)
        .order_by(KnownDevice.last_used_at.desc())
        .limit(MAX_PER_ACCOUNT)
    )
    session.execute(
        delete(KnownDevice)
        .where(KnownDevice.account_id == account_id, KnownDevice.id.not_in(keep))
        .execution_options(synchronize_session=False)
    )


@contextmanager
def guarded_attempt(request: Request, session: Session, *, name: str) -> Iterator[Device | None]:
    """A password check for `name` under the failed-log-in throttle, from the caller's address and,
    if the account knows it, the caller's device (yielded, for `remember` after a success)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    device = recognise(session, request, subject=LoginThrottle.subject(name))
    with throttle.attempt(session, name=name, address=client_address(request), device_id=device.id if device else None):
        yield device
