"""Throttling at the front door (docs/identity.md): registration, token requests and the public
licence verification, counted per caller address (or per account, for a module that wants it).

Each counted request is a row of `rate_limit_hits` in the gateway's database, so every replica
counts the same. A request is let through when, with it, no more than `limit` rows of its bucket and
key fall within the last `window_seconds` (a sliding window); otherwise it is refused with 429 and a
`Retry-After` that says when the oldest row in the way leaves the window. A refused request is not
counted, so a caller who waits as told gets in. The count and the new rows are one short
transaction of their own, never the request's (which may roll back with a later error), serialised
per bucket and key (an advisory lock on PostgreSQL; SQLite has one writer at a time), so two
replicas answering at the same moment cannot both take the last place.

Some limits count outcomes rather than requests (licence numbers that were not found): `check`
refuses once the bucket is full without counting, `count_miss` counts after the fact.

Rows older than a day (the longest window allowed) are deleted now and then, by one request in
`PRUNE_EVERY` on average, not on every request of a hot path.

The address is `request.client.host`: the caller's only when uvicorn trusts the proxy's
X-Forwarded-For (deploy/README.md, Log-in throttling).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from fastapi import Request
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gov_common.auth import CurrentPrincipal
from gov_common.db import Database, utcnow
from gov_common.errors import TooManyRequests
from portal_gateway.models import RateLimitHit
from portal_gateway.settings import RateLimit, Settings

RETENTION = timedelta(days=1)
PRUNE_EVERY = 200


class RateLimiter:
    def __init__(self, db: Database, *, prune_every: int = PRUNE_EVERY) -> None:
        self.db = db
        self.prune_every = prune_every

    def hit(self, bucket: str, key: str, *, limit: int, window_seconds: int, cost: int = 1) -> None:
        """Counts one request (`cost` of them) of `key` in `bucket`; 429 when the window is full."""
        self.hit_within(bucket, key, [RateLimit(limit=limit, window_seconds=window_seconds)], cost=cost)

    def hit_within(self, bucket: str, key: str, rates: Sequence[RateLimit], *, cost: int = 1) -> None:
        """Counts the request under several limits of one bucket at once (1 a minute and 5 an hour):
        refused when any of them is full, counted in none then; `Retry-After` satisfies them all."""
        if not rates or not 1 <= cost <= min(rate.limit for rate in rates):
            raise ValueError(f"a cost of {cost} does not fit the limits {rates}")
        key = key[:128]
        with self.db.session() as session:
            self._serialise(session, bucket, key)
            now = utcnow()
            # The rows go in first: on SQLite the first write takes the database's write lock, so the
            # counts below see every other replica's committed rows and none can slip in meanwhile.
            ours = [RateLimitHit(bucket=bucket, key=key, at=now) for _ in range(cost)]
            session.add_all(ours)
            session.flush()
            refusals = []
            for rate in rates:
                earlier = self._recent(session, bucket, key, now=now, rate=rate, ours=ours)
                if len(earlier) > rate.limit - cost:
                    refusals.append(_refusal(bucket, earlier[rate.limit - cost], now=now, rate=rate))
            if refusals:
                # Rolled back with the session: a refused request is not counted.
                raise max(refusals, key=lambda refusal: refusal.retry_after)
        self._maybe_prune()

    def check(self, bucket: str, key: str, *, limit: int, window_seconds: int) -> None:
        """Refuses (429) when `key` already has `limit` rows in `bucket` within the window; counts nothing."""
        with self.db.session() as session:
            now = utcnow()
            rate = RateLimit(limit=limit, window_seconds=window_seconds)
            earlier = self._recent(session, bucket, key[:128], now=now, rate=rate)
        if len(earlier) >= limit:
            raise _refusal(bucket, earlier[limit - 1], now=now, rate=rate)

    def count_miss(self, bucket: str, key: str) -> None:
        """Counts an outcome (a lookup that found nothing) for a later `check` of the bucket."""
        with self.db.session() as session:
            session.add(RateLimitHit(bucket=bucket, key=key[:128], at=utcnow()))
        self._maybe_prune()

    def prune(self) -> int:
        """Deletes the rows no window looks at any more; how many."""
        with self.db.session() as session:
            result = session.execute(delete(RateLimitHit).where(RateLimitHit.at < utcnow() - RETENTION))
            return int(getattr(result, "rowcount", 0) or 0)

    def _maybe_prune(self) -> None:
        if random.randrange(self.prune_every) == 0:
            self.prune()

    @staticmethod
    def _serialise(session: Session, bucket: str, key: str) -> None:
        if session.get_bind().dialect.name == "postgresql":
            digest = hashlib.blake2b(f"rate:{bucket}:{key}".encode(), digest_size=8).digest()
            session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))

    @staticmethod
    def _recent(
        session: Session,
        bucket: str,
        key: str,
        *,
        now: datetime,
        rate: RateLimit,
        ours: Sequence[RateLimitHit] = (),
    ) -> Sequence[datetime]:
        """The times of the key's other rows within the window, newest first, at most `limit` of them."""
        query = select(RateLimitHit.at).where(
            RateLimitHit.bucket == bucket,
            RateLimitHit.key == key,
            RateLimitHit.at > now - timedelta(seconds=rate.window_seconds),
        )
        if ours:
            query = query.where(RateLimitHit.id.not_in([hit.id for hit in ours]))
        return session.scalars(query.order_by(RateLimitHit.at.desc()).limit(rate.limit)).all()


def _refusal(bucket: str, blocking: datetime, *, now: datetime, rate: RateLimit) -> TooManyRequests:
    # Free again once the row in the way has left the window.
    retry_after = max(1, math.ceil((blocking + timedelta(seconds=rate.window_seconds) - now).total_seconds()))
    return TooManyRequests(
        f"此类请求过于频繁，请 {retry_after} 秒后重试",
        retry_after=retry_after,
        code="rate_limited",
        bucket=bucket,
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limiter(request: Request) -> RateLimiter:
    found: RateLimiter = request.app.state.rate_limiter
    return found


def rate_of(request: Request, setting: str) -> RateLimit:
    """The gateway's rate limit setting of that name (e.g. `rate_token`)."""
    rate: RateLimit = getattr(request.app.state.runtime.settings, setting)
    return rate


def rate_limited(bucket: str, *settings: str, key: Literal["address", "account"] = "address") -> Callable[..., None]:
    """A dependency that counts the request in `bucket` under the limits named by gateway settings
    (`RateLimit`s), per caller address or per logged-in account (401 without a token), e.g.
    `dependencies=[Depends(rate_limited("registration", "rate_registration"))]`; several settings are
    limits of one bucket at once (a minute's and an hour's). It runs before the endpoint's own work,
    so a refused request does none."""
    if not settings:
        raise ValueError("name at least one rate limit setting")
    if len(bucket) > 32:
        raise ValueError(f"bucket name {bucket!r} is longer than 32 characters")
    for setting in settings:
        field = Settings.model_fields.get(setting)
        if field is None or not isinstance(field.default, RateLimit):
            raise ValueError(f"{setting!r} is not a rate limit setting of the gateway")

    def _hit(request: Request, who: str) -> None:
        limiter(request).hit_within(bucket, who, [rate_of(request, setting) for setting in settings])

    if key == "address":

        def per_address(request: Request) -> None:
            _hit(request, client_address(request))

        return per_address

    def per_account(request: Request, principal: CurrentPrincipal) -> None:
        _hit(request, principal.sub)

    return per_account
