"""Throttling password, client-secret and second-factor guessing (docs/identity.md, "Failed log-ins").

A failed log-in is written down (in its own transaction, since the request's rolls back with the
401) with the name it tried, the caller's address and, when the caller came from a device the
account knows (a device cookie, `portal_gateway.accounts.devices`), that device. Within the window:

- From a device the account knows, only that device's own failures count: after `per_device` of
  them the device is forgotten (a stolen cookie buys a few guesses, no more). Nobody else's
  failures hold it back, so a stranger who knows an ID number cannot lock its owner out.
- From anywhere else (a stranger, or the owner on a new device):
  - one name from one address: after `before_delay` failures every further try waits, the delay
    doubling with each failure up to the window (30 s, 60 s, 120 s, ...);
  - one address, any names (one password sprayed over many accounts): after `per_address`
    failures likewise;
  - one name from all addresses (guesses spread over many addresses): after `per_account`
    failures it is refused for the rest of the window, except from its known devices.

A refusal is 429 with `Retry-After` whatever the password, so a right guess is not revealed. A
successful log-in clears the failures of that name from that address (and of that device), not
those from elsewhere: the owner logging in gives a guesser no fresh start.

Client applications' secrets are long and random: no per-account ceiling for them (it would let
anyone lock a service out), only the delays per address. Second-factor codes are six digits and
whoever tries one knows the password: `per_code` wrong codes of a name, from anywhere, refuse it
until they leave the window or a right code clears them.

The address is `request.client.host`: the caller's only when uvicorn trusts the proxy in front
(`FORWARDED_ALLOW_IPS`, nobody by default; deploy/README.md, "Log-in throttling").
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from gov_common.db import Database, utcnow
from gov_common.errors import TooManyRequests, Unauthorized
from portal_gateway.models import KnownDevice, LoginFailure
from portal_gateway.settings import Settings

# A delay doubles at most this many times (then the window caps it anyway).
_MAX_DOUBLINGS = 20


@dataclass(frozen=True)
class ThrottleLimits:
    before_delay: int = 5
    delay_seconds: int = 30
    per_account: int = 20
    per_address: int = 50
    per_device: int = 10
    per_code: int = 5
    window_seconds: int = 900

    @classmethod
    def of(cls, settings: Settings) -> ThrottleLimits:
        return cls(
            before_delay=settings.login_failures_before_delay,
            delay_seconds=settings.login_delay_seconds,
            per_account=settings.login_max_failures_per_account,
            per_address=settings.login_max_failures_per_address,
            per_device=settings.login_max_failures_per_device,
            per_code=settings.login_max_code_failures,
            window_seconds=settings.login_failure_window_seconds,
        )


class LoginThrottle:
    def __init__(self, db: Database, limits: ThrottleLimits) -> None:
        self.db = db
        self.limits = limits
        self.window = timedelta(seconds=limits.window_seconds)

    @staticmethod
    def subject(name: str) -> str:
        return name.strip().upper()[:80]

    def check(
        self, session: Session, *, subject: str, address: str, device_id: str | None, ceiling: bool = True
    ) -> None:
        """Raises 429 when a caller that is not one of the account's known devices must wait (see
        above); `ceiling=False` leaves out the per-account ceiling (client applications)."""
        if device_id is not None:
            return  # held back only by its own failures, which forget it (`failed`)
        now = utcnow()
        stranger = (LoginFailure.device_id.is_(None), LoginFailure.at > now - self.window)
        limits = self.limits
        self._delay(
            session,
            (LoginFailure.subject == subject, LoginFailure.address == address, *stranger),
            free=limits.before_delay,
            now=now,
            reason="account",
        )
        self._delay(
            session, (LoginFailure.address == address, *stranger), free=limits.per_address, now=now, reason="address"
        )
        if ceiling:
            self._ceiling(session, (LoginFailure.subject == subject, *stranger), limit=limits.per_account, now=now)

    def check_code(self, session: Session, *, subject: str, address: str) -> None:
        """Raises 429 when the name's second-factor codes have failed `per_code` times (from anywhere)
        or the address must wait."""
        now = utcnow()
        recent = LoginFailure.at > now - self.window
        self._ceiling(session, (LoginFailure.subject == subject, recent), limit=self.limits.per_code, now=now)
        self._delay(
            session,
            (LoginFailure.address == address, LoginFailure.device_id.is_(None), recent),
            free=self.limits.per_address,
            now=now,
            reason="address",
        )

    def failed(self, *, subject: str, address: str, device_id: str | None = None) -> None:
        with self.db.session() as session:
            session.add(LoginFailure(subject=subject, address=address[:64], at=utcnow(), device_id=device_id))
            session.flush()
            if device_id is not None:
                mistakes = session.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(LoginFailure.device_id == device_id, LoginFailure.at > utcnow() - self.window)
                )
                if (mistakes or 0) >= self.limits.per_device:
                    # Forgotten: a stranger from now on, and its failures count as a stranger's.
                    session.execute(delete(KnownDevice).where(KnownDevice.id == device_id))
                    session.execute(
                        update(LoginFailure).where(LoginFailure.device_id == device_id).values(device_id=None)
                    )
            # Rows older than a day say nothing any more.
            stale = utcnow() - max(self.window, timedelta(days=1))
            session.execute(delete(LoginFailure).where(LoginFailure.at < stale))

    def succeeded(self, session: Session, *, subject: str, address: str, device_id: str | None = None) -> None:
        """The right secret: the name's failures from this address and this device are cleared."""
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.subject == subject, LoginFailure.address == address[:64], LoginFailure.device_id.is_(None)
            )
        )
        if device_id is not None:
            session.execute(delete(LoginFailure).where(LoginFailure.device_id == device_id))

    def clear(self, session: Session, *, subject: str) -> None:
        """Every failure of the name, from wherever (a reset at the window, a right second-factor code)."""
        session.execute(delete(LoginFailure).where(LoginFailure.subject == subject))

    @contextmanager
    def attempt(
        self, session: Session, *, name: str, address: str, device_id: str | None = None, ceiling: bool = True
    ) -> Iterator[None]:
        """One guarded check of a secret for `name`: refused (429) when throttled; a 401 inside is
        written down as a failure, a normal end clears the name's failures from this caller;
        anything else passes."""
        subject = self.subject(name)
        self.check(session, subject=subject, address=address, device_id=device_id, ceiling=ceiling)
        try:
            yield
        except Unauthorized:
            # The request fails: its transaction ends now, so that the failure, written in a
            # transaction of its own, does not wait for a write lock it may hold (SQLite).
            session.rollback()
            self.failed(subject=subject, address=address, device_id=device_id)
            raise
        self.succeeded(session, subject=subject, address=address, device_id=device_id)

    def _delay(
        self, session: Session, where: Sequence[ColumnElement[bool]], *, free: int, now: datetime, reason: str
    ) -> None:
        count, last = session.execute(select(func.count(), func.max(LoginFailure.at)).where(*where)).one()
        if count < free or last is None:
            return
        wait = min(self.limits.delay_seconds * 2 ** min(count - free, _MAX_DOUBLINGS), self.limits.window_seconds)
        allowed = _aware(last) + timedelta(seconds=wait)
        if now < allowed:
            raise _refusal(reason, math.ceil((allowed - now).total_seconds()))

    def _ceiling(self, session: Session, where: Sequence[ColumnElement[bool]], *, limit: int, now: datetime) -> None:
        times = session.scalars(
            select(LoginFailure.at).where(*where).order_by(LoginFailure.at.desc()).limit(limit)
        ).all()
        if len(times) >= limit:
            # Free again once the limit-th most recent failure has left the window.
            raise _refusal("account", math.ceil((_aware(times[limit - 1]) + self.window - now).total_seconds()))


def _aware(at: datetime) -> datetime:
    # UTCDateTime gives aware datetimes; an aggregate (max) may come back naive on SQLite.
    return at if at.tzinfo is not None else at.replace(tzinfo=utcnow().tzinfo)


# Whose failed log-ins were too many, as the refusal says it.
_WHO = {"account": "该账号", "address": "您所在的网络"}


def _refusal(reason: str, retry_after: int) -> TooManyRequests:
    retry_after = max(1, retry_after)
    return TooManyRequests(
        f"{_WHO.get(reason, reason)}登录失败次数过多，请 {retry_after} 秒后再试",
        retry_after=retry_after,
        reason=reason,
    )
