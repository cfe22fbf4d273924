"""What every service has: its runtime (database, bus, relay, consumers) and its FastAPI app."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common import tracing
from gov_common.auth import TokenVerifier
from gov_common.backlog import ServiceGauges
from gov_common.bus import Bus, make_bus
from gov_common.context import TraceIdHeader
from gov_common.db import Database
from gov_common.dead_letters import DeadLetters
from gov_common.errors import install_error_handlers
from gov_common.events import Event, Topics
from gov_common.limits import install_body_limits
from gov_common.load_shedding import install_admission_limit
from gov_common.messaging import EventConsumer, EventHandler, OutboxRelay
from gov_common.metrics import install_metrics
from gov_common.revocation import RevocationFeed, RevocationList
from gov_common.security_headers import install_security_headers
from gov_common.service_client import ServiceCredentials
from gov_common.settings import ServiceSettings
from gov_common.text_input import install_control_character_check

log = logging.getLogger("gov_common.service")

# How long start() waits for the revocation list to be read; beyond it the service starts not ready.
REVOCATIONS_CATCH_UP_SECONDS = 30.0


class ServiceRuntime:
    """The long-lived parts of one service. Built once per process, started by the app's lifespan
    (or by the standalone launcher, which runs several services in one process)."""

    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        verifier: TokenVerifier | None = None,
        bus: Bus | None = None,
        handlers: Mapping[str, EventHandler] | None = None,
        consumed_topics: Sequence[str] = (),
        produced_topics: Sequence[str] = (),
        accepts: Callable[[Event], bool] | None = None,
        gather_ms: int = 0,
    ) -> None:
        """`gather_ms` > 0: the main consumer's group may lag, and its fetches wait that long for events
        to gather (Bus.consumer)."""
        self.name = name
        self.settings = settings
        # The process's tracing (gov_common.tracing), before the engine: when spans are exported its SQL
        # is traced. The first runtime (or the command line) of a process names it; the others find it set.
        tracing.configure_tracing(name)
        self.db = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        self._owns_bus = bus is None
        self.bus = bus if bus is not None else make_bus(settings, client_id=name)
        self.verifier = verifier or TokenVerifier.from_url(
            settings.jwks_url, issuer=settings.token_issuer, audience=settings.token_audience
        )
        self.relay = OutboxRelay(
            db=self.db,
            bus=self.bus,
            service=name,
            poll_seconds=settings.relay_poll_seconds,
            batch=settings.relay_batch_size,
            retention_seconds=settings.outbox_retention_hours * 3600 or None,
            inbox_retention_seconds=settings.inbox_retention_hours * 3600 or None,
        )
        self.handlers = dict(handlers or {})
        self.consumed_topics = list(consumed_topics)
        self.produced_topics = list(produced_topics)
        self.consumer: EventConsumer | None = None
        if self.handlers and self.consumed_topics:
            self.consumer = EventConsumer(
                db=self.db,
                bus=self.bus,
                group=settings.consumer_group or name,
                topics=self.consumed_topics,
                handlers=self.handlers,
                service=name,
                max_attempts=settings.consumer_max_attempts,
                backoff_seconds=settings.consumer_retry_backoff_seconds,
                backoff_cap_seconds=settings.consumer_retry_backoff_cap_seconds,
                max_batch=settings.consumer_max_poll_records,
                gather_ms=gather_ms,
                accepts=accepts,
            )
        # Dead letters recorded in this service's database, to list and replay (gov_common.dead_letters).
        self.dead_letters = DeadLetters(db=self.db, service=name, handlers=self.handlers, accepts=accepts)
        if self.consumer is not None:
            self.consumer.on_dead_letter = self.dead_letters.record
        # Further consumer groups of this service (add_consumer), run beside `consumer` by a worker.
        self.consumers: list[EventConsumer] = []
        self.service_credentials: ServiceCredentials | None = None
        if settings.service_client_secret:
            self.service_credentials = ServiceCredentials(
                token_url=settings.token_url,
                client_id=settings.service_client_id or name,
                client_secret=settings.service_client_secret,
                timeout=settings.http_timeout_seconds,
            )
        # Revoked tokens (gov_common.revocation): read from the bus by this runtime's own feed, or
        # shared by every runtime of one process (share_revocations, the standalone platform).
        self.revocations = RevocationList()
        self.revocation_feed: RevocationFeed | None = RevocationFeed(
            bus=self.bus, revocations=self.revocations, service=name
        )
        # Outbox backlog, consumer lag and readiness for Prometheus, measured in the background.
        self.gauges = ServiceGauges(
            service=name, db=self.db, bus=self.bus, readiness=self.readiness, consumer=self.consumer
        )
        self.on_start: list[Callable[[], None]] = []
        self.on_stop: list[Callable[[], None]] = []
        self.extras: dict[str, Any] = {}
        self.started = False

    def add_consumer(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, EventHandler],
        gather_ms: int = 0,
        max_batch: int | None = None,
    ) -> EventConsumer:
        """A further consumer group of this service, with its own offsets and inbox rows: its events are
        handled apart from (and never delay) the main group's. Started and stopped with the main
        consumer, where the worker runs; its dead letters are replayed through its own handlers.
        `gather_ms` > 0 for a group allowed to lag: its fetches wait that long for events to gather
        (Bus.consumer), in batches of up to `max_batch` (default: the service's setting)."""
        consumer = EventConsumer(
            db=self.db,
            bus=self.bus,
            group=group,
            topics=topics,
            handlers=handlers,
            service=self.name,
            max_attempts=self.settings.consumer_max_attempts,
            backoff_seconds=self.settings.consumer_retry_backoff_seconds,
            backoff_cap_seconds=self.settings.consumer_retry_backoff_cap_seconds,
            max_batch=max_batch or self.settings.consumer_max_poll_records,
            gather_ms=gather_ms,
        )
        consumer.on_dead_letter = self.dead_letters.record
        self.dead_letters.group_handlers[group] = dict(handlers)
        self.consumers.append(consumer)
        return consumer

    def share_revocations(self, revocations: RevocationList) -> None:
        """Use a revocation list another runtime of this process (or the launcher) keeps up to date."""
        self.revocations = revocations
        self.revocation_feed = None

    def start(self, *, worker: bool | None = None) -> None:
        if self.started:
            return
        for hook in self.on_start:
            try:
                hook()
            except IntegrityError:
                # Another replica seeded the same rows at the same moment; the second pass sees them.
                log.info("a start-up step of %s raced with another replica; running it again", self.name)
                time.sleep(0.5)
                hook()
        consumed = list(dict.fromkeys([*self.consumed_topics, *(t for c in self.consumers for t in c.topics)]))
        topics = list(dict.fromkeys([*self.produced_topics, *consumed]))
        if topics:
            self.bus.ensure_topics(topics + [f"{t}.dlt" for t in consumed])
        self.bus.ensure_topics([Topics.TOKEN], config={"cleanup.policy": "compact"})
        if self.revocation_feed is not None:
            self.revocation_feed.start()
            if not self.revocation_feed.wait_caught_up(REVOCATIONS_CATCH_UP_SECONDS):
                log.warning("%s: the revocation list is not read yet; not ready until it is", self.name)
        self.relay.start()
        if self.consumer is not None or self.consumers:
            self.dead_letters.start()
        if self.settings.run_worker if worker is None else worker:
            for consumer in [self.consumer, *self.consumers]:
                if consumer is not None:
                    consumer.start()
        self.gauges.start()
        self.started = True
        log.info("service %s started", self.name)

    def stop(self) -> None:
        if not self.started:
            return
        self.gauges.stop()
        if self.revocation_feed is not None:
            self.revocation_feed.request_stop()  # its last poll ends while the others stop
        for consumer in [self.consumer, *self.consumers]:
            if consumer is not None:
                consumer.stop()
        self.relay.stop()
        self.dead_letters.stop()
        if self.revocation_feed is not None:
            self.revocation_feed.stop()
        for hook in self.on_stop:
            hook()
        if self._owns_bus:
            self.bus.close()
        self.db.dispose()
        self.started = False
        log.info("service %s stopped", self.name)

    def readiness(self) -> dict[str, bool]:
        """Ready: the own database answers (within its connect timeout) and the revoked tokens have
        been read. Not the bus: while Kafka is down, the outbox keeps what is to be published and
        requests are still answered (docs/operations.md, "During outages")."""
        return {"database": self.db.ping(), "revocations": self.revocations.caught_up.is_set()}


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_session(request: Request) -> Any:
    """The request's unit of work: commits when the endpoint returns, rolls back on an error."""
    with get_runtime(request).db.session() as session:
        yield session


# scope="function": the unit of work commits when the endpoint returns and before the response is
# sent, so a client that got 2xx reads its own writes, and a failed commit is an error, not a 2xx.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    manage_lifespan: bool = True,
    extra_readiness: Callable[[], dict[str, Any]] | None = None,
    admission: bool = True,
) -> FastAPI:
    """The service's app. `admission=False`: the caller installs the admission limit itself (the
    gateway, in front of its own middleware)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_lifespan:
            runtime.start()
        try:
            yield
        finally:
            for hook in app.state.on_shutdown:
                await hook()
            if manage_lifespan:
                runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    # Async clean-ups (e.g. closing HTTP client pools), awaited when the app shuts down.
    app.state.on_shutdown = []
    # First: the OpenTelemetry instrumentation wraps the stack FastAPI builds (it wants Starlette's
    # ServerErrorMiddleware outermost); the metrics wrap that in turn, so they count every answer.
    tracing.instrument_app(app)
    install_error_handlers(app)
    install_metrics(app, runtime.name, token=runtime.settings.metrics_token.get_secret_value())
    install_control_character_check(app)
    if admission:
        # Overload is answered at once with 503 (gov_common.load_shedding), inside the security headers.
        install_admission_limit(app, runtime.settings)
    install_security_headers(app)  # outside the check, so that its refusals carry the headers too

    # A body over its route's limit is refused before anything else reads it.
    install_body_limits(
        app,
        max_body_bytes=runtime.settings.max_body_bytes,
        max_upload_body_bytes=runtime.settings.max_upload_body_bytes,
    )
    # Every answer, a body limit's refusal too, tells the request's trace id (X-Request-ID), the trace of the
    # server span (tracing.instrument_app, above) around all of these.
    app.add_middleware(TraceIdHeader)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "service": runtime.name}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """The database is reachable and the revoked tokens have been read (`ServiceRuntime.readiness`)."""
        checks: dict[str, Any] = runtime.readiness()
        if extra_readiness is not None:
            checks.update(extra_readiness())
        ready = all(v for v in checks.values() if isinstance(v, bool))
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "service": runtime.name, "checks": checks},
            status_code=200 if ready else 503,
        )

    return app
