"""What keeps the one-process platform answering under load: each service's share of the worker
threads (a bulkhead), a bounded wait for a SQLite file's writer, and 503 with Retry-After instead of
a hang or a 500 when either is exhausted.

All services run their synchronous endpoints on one pool of worker threads (the event loop's), and
they call each other over loopback HTTP: service-management, answering a submit, asks data-sharing
for the applicant's credit status. Without a share per service, a burst of submits could take every
thread, each waiting for something only another request of data-sharing could deliver, which then
had no thread to run on, until timeouts broke the knot."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Receive, Scope, Send

from gov_common.db import sqlite_writer_wait
from gov_common.errors import database_handler, problem

log = logging.getLogger("gov_standalone")

# A request waits at most this long for its service's share of the threads, then at most this long for
# its database file's writer, before it is answered 503: together well within the gateway's timeout
# to the services (10 s), so that the caller hears why.
ADMISSION_WAIT_SECONDS = 2.0
REQUEST_WRITER_WAIT_SECONDS = 4.0
RETRY_AFTER_SECONDS = 2


# The services as a person reads them in the busy answer.
SERVICE_WORDS = {
    "portal-gateway": "门户",
    "service-management": "事项管理服务",
    "business-systems": "部门业务系统",
    "data-sharing": "数据共享服务",
}


def busy(detail: str) -> JSONResponse:
    return problem(
        503,
        detail,
        title="Service Unavailable",
        code="busy",
        retry_after=RETRY_AFTER_SECONDS,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database is busy" (the writer stayed taken), as raised."""
    original = getattr(exc, "orig", exc)
    return isinstance(original, sqlite3.OperationalError) and ("locked" in str(original) or "busy" in str(original))


class Bulkhead:
    """At most `limit` requests of one service at once (None: no limit); a request beyond waits up to
    ADMISSION_WAIT_SECONDS for a place, then gets 503. Every request it admits waits at most
    REQUEST_WRITER_WAIT_SECONDS for a SQLite writer."""

    def __init__(self, app: ASGIApp, *, name: str, limit: int | None) -> None:
        self.app = app
        self.name = name
        self.limit = limit
        self._places = asyncio.Semaphore(limit) if limit else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with sqlite_writer_wait(REQUEST_WRITER_WAIT_SECONDS):
            if self._places is None:
                await self.app(scope, receive, send)
                return
            try:
                await asyncio.wait_for(self._places.acquire(), ADMISSION_WAIT_SECONDS)
            except TimeoutError:
                log.warning("%s is busy: %d requests at once; answering 503", self.name, self.limit)
                await busy(f"{SERVICE_WORDS.get(self.name, '系统')}繁忙，请稍后重试")(scope, receive, send)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                self._places.release()


async def _operational_handler(request: Request, exc: Exception) -> JSONResponse:
    if is_locked(exc):
        # The driver's message only: the statement's parameters (names, identity numbers) stay out of the log.
        log.warning("database writer busy on %s %s: %s", request.method, request.url.path, getattr(exc, "orig", exc))
        return busy("系统正忙于保存数据，请稍后重试")
    # Anything else as every service answers it (gov_common.errors): 503 if the file cannot be
    # opened or written (disk full, I/O error), 500 for a faulty statement.
    return await database_handler(request, exc)


async def _pool_timeout_handler(request: Request, exc: Exception) -> JSONResponse:
    log.warning("no database connection free for %s %s: %s", request.method, request.url.path, exc)
    return busy("系统繁忙，请稍后重试")


def install_busy_handlers(app: FastAPI) -> None:
    """A writer that stayed taken or no free connection: 503 with Retry-After, never 500."""
    app.add_exception_handler(OperationalError, _operational_handler)
    app.add_exception_handler(PoolTimeout, _pool_timeout_handler)


def size_thread_pool(tokens: int) -> None:
    """The event loop's worker threads (synchronous endpoints), for every service together; call it
    from within the running loop."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = tokens
