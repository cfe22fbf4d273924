"""Load shedding (docs/operations.md, "Overload"): above what it can carry, a service answers the excess
at once with 503 and `Retry-After` instead of queueing it until every caller times out.

`ConcurrencyLimit` lets at most `limit` callers in at once; one more waits at most `wait_seconds`
for a place and is then refused with `Overloaded` (503). The gateway keeps one per upstream service
(`portal_gateway.routing.forward`); every service keeps one for its whole API (`AdmissionLimit`,
`max_concurrent_requests`), so that its thread pool and its database pool never hold a queue that
cannot be served within the callers' timeouts. Probes and /metrics are never shed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from gov_common.errors import ServiceUnavailable, problem
from gov_common.settings import ServiceSettings

NEVER_SHED = frozenset({"/healthz", "/readyz", "/metrics"})


class Overloaded(ServiceUnavailable):
    code = "overloaded"


def overloaded(retry_after: int) -> Overloaded:
    # What the applicant reads (the UI shows a Chinese detail as it is).
    return Overloaded(f"系统繁忙，请 {retry_after} 秒后重试", retry_after=retry_after)


class ConcurrencyLimit:
    """At most `limit` holders at once; a caller that finds no place within `wait_seconds` is
    refused with `Overloaded` (Retry-After: `retry_after`). One per event loop (asyncio)."""

    def __init__(self, limit: int, wait_seconds: float, *, retry_after: int) -> None:
        if limit < 1:
            raise ValueError("a concurrency limit is at least 1")
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._places = asyncio.Semaphore(limit)
        self.refused = 0

    @property
    def in_use(self) -> int:
        return self.limit - self._places._value

    async def acquire(self) -> None:
        try:
            await asyncio.wait_for(self._places.acquire(), self.wait_seconds)
        except TimeoutError:
            self.refused += 1
            raise overloaded(self.retry_after) from None

    def release(self) -> None:
        self._places.release()

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()


class AdmissionLimit:
    """ASGI middleware: at most `limit` HTTP requests of this app in progress (until their answer is
    sent); beyond, `ConcurrencyLimit`'s short wait, then 503 problem+json with Retry-After."""

    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float, retry_after: int) -> None:
        self.app = app
        self.settings = (limit, wait_seconds, retry_after)
        self._limit: ConcurrencyLimit | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if self._limit is None or self._loop is not loop:  # one per serving event loop
            limit, wait_seconds, retry_after = self.settings
            self._limit, self._loop = ConcurrencyLimit(limit, wait_seconds, retry_after=retry_after), loop
        held = self._limit
        try:
            await held.acquire()
        except Overloaded as refusal:
            response = problem(
                refusal.status,
                refusal.detail,
                title=refusal.title,
                headers={"Retry-After": str(refusal.retry_after)},
                code=refusal.code,
                retry_after=refusal.retry_after,
            )
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            held.release()


def install_admission_limit(app: Starlette, settings: ServiceSettings) -> None:
    """`AdmissionLimit` with the service's settings, around what was installed so far."""
    app.add_middleware(
        AdmissionLimit,
        limit=settings.max_concurrent_requests,
        wait_seconds=settings.admission_wait_seconds,
        retry_after=settings.overload_retry_after_seconds,
    )
