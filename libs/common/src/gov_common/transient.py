"""Which failures are of infrastructure (transient: retry, however long it takes) and which are of the
work itself (deterministic: the same input fails again). The event consumer retries the first kind
without limit and dead-letters only the second (docs/messaging.md, "Transient is not poison")."""

from __future__ import annotations

import sqlite3

import httpx
import psycopg
from kafka.errors import KafkaError
from sqlalchemy import exc as sa_exc

from gov_common.errors import ServiceUnavailable, TooManyRequests, TransientFailure

# Answers of a dependency that say "not now" rather than "not this": overloaded, down, timed out.
TRANSIENT_HTTP_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    TransientFailure,
    ServiceUnavailable,  # what our HTTP helpers raise when a dependency is unreachable or answers 5xx
    TooManyRequests,
    # SQLAlchemy: a lost or refused connection, a server shutting down, a lock or statement timeout,
    # a serialization failure or deadlock (PostgreSQL's classes 08, 40, 53, 55, 57, 58), SQLite's
    # "database is locked"; no pooled connection free in time; a connection found dead.
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    # The same raised by the drivers themselves, outside SQLAlchemy.
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    # The network: httpx's connect/read/write errors and timeouts, Kafka's errors, sockets.
    httpx.TransportError,
    KafkaError,
    ConnectionError,
    TimeoutError,
)


def _is_transient_itself(error: BaseException) -> bool:
    if isinstance(error, _TRANSIENT_TYPES):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code in TRANSIENT_HTTP_STATUSES
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return False


def causes(error: BaseException) -> list[BaseException]:
    """`error` and what led to it: its `__cause__` (`raise ... from`), else its `__context__` (raised
    while handling another) unless suppressed (`from None`), and so on."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and not any(current is seen for seen in chain):
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return chain


def is_transient(error: BaseException) -> bool:
    """Whether `error`, or anything in its chain of causes, is a failure of infrastructure. A handler
    that wraps a database outage in an error of its own (`raise CaseError(...) from exc`) is still
    retried; one that means "retry" without such a cause raises `TransientFailure`."""
    return any(_is_transient_itself(e) for e in causes(error))
