"""The service-management application: runtime, routes and migrations."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fastapi import FastAPI

from gov_common.auth import TokenVerifier
from gov_common.bus import Bus
from gov_common.db import utcnow
from gov_common.dead_letters import router as dead_letters_router
from gov_common.events import CREDIT_TOPIC_CONFIG, Topics
from gov_common.files import file_store_from_url
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app
from gov_common.service_client import ServiceCredentials
from service_management.bundles.endpoints import router as bundles_router
from service_management.cases import idempotency
from service_management.cases.consumers import make_handlers
from service_management.cases.endpoints import router as cases_router
from service_management.cases.licences import HttpLicenceVerifier
from service_management.cases.prefetch import offline
from service_management.catalogue.endpoints import router as catalogue_router
from service_management.credit_model import CreditFeed, EverRead, LocalCredit
from service_management.evaluation.endpoints import router as evaluation_router
from service_management.intake.endpoints import router as intake_router
from service_management.lists.endpoints import router as lists_router
from service_management.personal import reminders
from service_management.personal.also_needed import HttpNextItems
from service_management.personal.endpoints import router as personal_router
from service_management.personal.facts import HttpRegistryFacts
from service_management.ports import Ports
from service_management.progress.endpoints import router as progress_router
from service_management.rules.endpoints import router as rules_router
from service_management.seed import seed_demo
from service_management.settings import Settings
from service_management.supervision import service as supervision
from service_management.supervision.calendar import ensure_official_days
from service_management.supervision.endpoints import router as supervision_router
from service_management.workflow.endpoints import router as workflow_router

NAME = "service-management"
MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("service_management.supervision")


def migrate(settings: Settings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def service_credentials(settings: Settings) -> ServiceCredentials | None:
    if not settings.service_client_secret:
        return None
    return ServiceCredentials(
        token_url=settings.token_url,
        client_id=settings.service_client_id or NAME,
        client_secret=settings.service_client_secret,
        timeout=settings.http_timeout_seconds,
    )


def build_ports(settings: Settings, credentials: ServiceCredentials | None = None) -> Ports:
    credentials = credentials or service_credentials(settings)
    return Ports(
        files=file_store_from_url(settings.file_store_url, max_bytes=settings.file_max_bytes),
        # The read model of data-sharing's credit lists (credit_model.py); its database is set by create_runtime.
        credit=LocalCredit(max_age_seconds=settings.credit_max_age_seconds, reader=settings.service_client_id or NAME),
        licences=HttpLicenceVerifier(
            base_url=settings.data_sharing_url, credentials=credentials, timeout=settings.data_sharing_timeout_seconds
        ),
    )


class SupervisionScheduler:
    """Runs the supervision scan and the licence expiry reminders periodically in the event worker's process."""

    def __init__(self, runtime: ServiceRuntime, interval: float) -> None:
        self.runtime = runtime
        self.interval = interval
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="service-management-supervision", daemon=True).start()

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            if self.runtime.started:
                self.tick()

    def tick(self) -> None:
        """One run of the periodic jobs, each in its own transaction; a failure waits for the next."""
        try:
            with self.runtime.db.session() as session:
                supervision.scan(session, now=utcnow())
        except Exception:
            log.exception("supervision scan failed; will retry")
        try:
            # Licence expiry reminders (personal/reminders.py): idempotent, safe with replicas.
            with self.runtime.db.session() as session:
                reminders.remind(session, now=utcnow())
        except Exception:
            log.exception("licence expiry reminders failed; will retry")
        try:
            # Idempotency keys of filings are kept 24 h (cases/idempotency.py).
            with self.runtime.db.session() as session:
                idempotency.forget_expired(session, now=utcnow())
        except Exception:
            log.exception("forgetting expired idempotency keys failed; will retry")


def create_runtime(
    settings: Settings, *, bus: Bus | None = None, verifier: TokenVerifier | None = None, ports: Ports | None = None
) -> ServiceRuntime:
    credentials = service_credentials(settings)
    ports = ports or build_ports(settings, credentials)
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        bus=bus,
        verifier=verifier,
        # Handlers run inside their event's transaction: no network behind their ports.
        handlers=make_handlers(offline(ports)),
        consumed_topics=[Topics.CASE, Topics.LICENSE],
        # gov.license.v1 for the expiry reminders (personal/reminders.py), keyed by licence number; gov.data.v1
        # for the reads of its credit read model, recorded by data-sharing's audit log.
        produced_topics=[Topics.CASE, Topics.LICENSE, Topics.DATA],
    )
    # The held licences (expiry reminders) from the licence events, in a group of their own that gathers them:
    # no case waits for it.
    runtime.add_consumer(
        group=settings.held_licences_consumer_group,
        topics=[Topics.LICENSE],
        handlers=reminders.handlers(),
        gather_ms=settings.held_licences_gather_ms,
    )
    runtime.extras["ports"] = ports
    if isinstance(ports.credit, LocalCredit):
        ports.credit.db = runtime.db
    if settings.run_worker:
        # The event worker keeps the credit read model up to date from gov.credit.v1 (compacted).
        credit_feed = CreditFeed(bus=runtime.bus, db=runtime.db)
        runtime.extras["credit_feed"] = credit_feed

        def _credit_feed() -> None:
            runtime.bus.ensure_topics([Topics.CREDIT], config=CREDIT_TOPIC_CONFIG)
            credit_feed.start()

        runtime.on_start.append(_credit_feed)
        runtime.on_stop.append(credit_feed.stop)
    runtime.extras["registry"] = HttpRegistryFacts(
        base_url=settings.data_sharing_url, timeout=settings.data_sharing_timeout_seconds
    )
    # 您可能还需要 (personal/also_needed.py): the warehouse's aggregates, with the service's own identity.
    runtime.extras["next_items"] = HttpNextItems(
        base_url=settings.data_sharing_url, credentials=credentials, timeout=settings.next_items_timeout_seconds
    )

    def _calendar() -> None:
        year = utcnow().year
        with runtime.db.session() as session:
            ensure_official_days(session, years=[year - 1, year, year + 1])

    runtime.on_start.append(_calendar)
    if settings.seed_demo:

        def _seed() -> None:
            with runtime.db.session() as session:
                seed_demo(session, history=settings.seed_demo_history)

        runtime.on_start.append(_seed)
    if settings.run_worker and settings.supervision_interval_seconds > 0:
        scheduler = SupervisionScheduler(runtime, settings.supervision_interval_seconds)
        runtime.extras["supervision"] = scheduler
        runtime.on_start.append(scheduler.start)
        runtime.on_stop.append(scheduler.stopping.set)
    return runtime


def create_app(
    settings: Settings | None = None, *, runtime: ServiceRuntime | None = None, manage_lifespan: bool = True
) -> FastAPI:
    runtime = runtime or create_runtime(settings or Settings())
    credit = runtime.extras["ports"].credit
    app = create_service_app(
        runtime,
        title="政务服务管理平台 service-management",
        description="Catalogue, the five lists, one-window intake, BPMN workflows, decision tables, supervision.",
        manage_lifespan=manage_lifespan,
        # Not ready before the credit lists have been read once into the database (credit_model.py).
        extra_readiness=EverRead(runtime.db) if isinstance(credit, LocalCredit) else None,
    )
    for router in (
        catalogue_router,
        lists_router,
        cases_router,
        intake_router,
        workflow_router,
        rules_router,
        bundles_router,
        supervision_router,
        evaluation_router,
        personal_router,
        progress_router,
        dead_letters_router,
    ):
        app.include_router(router)
    return app
