"""Throttling password and client-secret guessing at `POST /auth/token`.

A failed log-in is written down (in its own transaction, since the request's rolls back with the
401) with the name it tried and the caller's address. Within the window, a name with
`login_max_failures_per_account` failures is refused with 429 and `Retry-After` whatever the
password, so guessing on gets nowhere and a correct guess is not revealed; an address with
`login_max_failures_per_address` failures is refused for every name (spraying one password over
many accounts). A successful log-in clears the name's failures. The rows live in the gateway's
database, so every replica sees the same counts.

Behind an ingress the address is the client's only when uvicorn trusts the proxy's
X-Forwarded-For (`FORWARDED_ALLOW_IPS`, deploy/README.md); otherwise all callers share the
ingress's address and the per-address limit applies to them together.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gov_common.db import Database, utcnow
from gov_common.errors import TooManyRequests, Unauthorized
from portal_gateway.models import LoginFailure


class LoginThrottle:
    def __init__(self, db: Database, *, per_account: int, per_address: int, window_seconds: int) -> None:
        self.db = db
        self.per_account = per_account
        self.per_address = per_address
        self.window = timedelta(seconds=window_seconds)

    @staticmethod
    def subject(name: str) -> str:
        return name.strip().upper()[:80]

    def check(self, session: Session, *, subject: str, address: str) -> None:
        """Raises 429 when the name or the address has failed too often within the window."""
        now = utcnow()
        since = now - self.window
        limits: tuple[tuple[InstrumentedAttribute[str], str, int, str], ...] = (
            (LoginFailure.subject, subject, self.per_account, "account"),
            (LoginFailure.address, address, self.per_address, "address"),
        )
        for column, value, limit, reason in limits:
            times = session.scalars(
                select(LoginFailure.at).where(column == value, LoginFailure.at > since).order_by(LoginFailure.at.desc())
            ).all()
            if len(times) >= limit:
                # Free again once the limit-th most recent failure has left the window.
                retry_after = max(1, math.ceil((times[limit - 1] + self.window - now).total_seconds()))
                raise TooManyRequests(
                    f"too many failed log-ins from this {reason}; try again in {retry_after} seconds",
                    retry_after=retry_after,
                    reason=reason,
                )

    def failed(self, *, subject: str, address: str) -> None:
        with self.db.session() as session:
            session.add(LoginFailure(subject=subject, address=address[:64], at=utcnow()))
            # Rows older than a day say nothing any more.
            stale = utcnow() - max(self.window, timedelta(days=1))
            session.execute(delete(LoginFailure).where(LoginFailure.at < stale))

    def succeeded(self, session: Session, *, subject: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.subject == subject))

    @contextmanager
    def attempt(self, session: Session, *, name: str, address: str) -> Iterator[None]:
        """One guarded check of a secret for `name`: refused (429) when throttled; a 401 inside is
        written down as a failure, a normal end clears the name's failures; anything else passes."""
        subject = self.subject(name)
        self.check(session, subject=subject, address=address)
        try:
            yield
        except Unauthorized:
            self.failed(subject=subject, address=address)
            raise
        self.succeeded(session, subject=subject)
