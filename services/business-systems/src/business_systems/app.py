"""A department's business system: runtime, routes and migrations."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session

from business_systems.chains.endpoints import router as chains_router
from business_systems.files.endpoints import router as files_router
from business_systems.handlers import HandlerRegistry, load_handlers
from business_systems.handlers.endpoints import router as handlers_router
from business_systems.registries import DataSharingRegistries
from business_systems.review.endpoints import router as review_router
from business_systems.review.service import (
    ArrivalChecks,
    check_arrival,
    concerns_department,
    receive_dispatched,
    record_clock,
)
from business_systems.settings import Settings
from business_systems.stock_opinions.endpoints import router as stock_opinions_router
from gov_common.auth import TokenVerifier
from gov_common.bus import Bus
from gov_common.dead_letters import router as dead_letters_router
from gov_common.events import Event, EventTypes, Topics
from gov_common.files import file_store_from_url
from gov_common.messaging import PreparedHandler
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("business_systems")


def migrate(settings: Settings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def create_runtime(
    settings: Settings,
    *,
    bus: Bus | None = None,
    verifier: TokenVerifier | None = None,
    handlers: HandlerRegistry | None = None,
) -> ServiceRuntime:
    """Raises HandlerConfigurationError when a configured item handler cannot be loaded."""
    department = settings.department_code
    registry = handlers if handlers is not None else load_handlers(settings.handlers)
    log.info(
        "item handlers loaded for %s: %s",
        department,
        ", ".join(f"{h['name']} ({', '.join(h['item_codes'])})" for h in registry.describe()) or "none",
        extra={"department": department, "handlers": registry.describe()},
    )

    def registries_for(applicant: Mapping[str, Any]) -> DataSharingRegistries:
        credentials = runtime.service_credentials
        return DataSharingRegistries(
            applicant,
            data_sharing_url=settings.data_sharing_url,
            auth_headers=credentials.headers if credentials is not None else None,
            timeout=settings.http_timeout_seconds,
        )

    def check_dispatched(event: Event) -> ArrivalChecks | None:
        # The prepare stage: the handler's registry look-ups go over HTTP, before the transaction.
        return check_arrival(event, department_code=department, handlers=registry, registries=registries_for)

    def on_dispatched(session: Session, event: Event, checks: ArrivalChecks | None) -> None:
        receive_dispatched(
            session,
            event,
            department_code=department,
            checks=checks,
            handlers=registry,
            instance_id=settings.instance_id,
        )

    def on_clock_changed(session: Session, event: Event) -> None:
        record_clock(session, event)

    runtime = ServiceRuntime(
        name=f"business-systems.{department}",
        settings=settings,
        bus=bus,
        verifier=verifier,
        handlers={
            EventTypes.CASE_DISPATCHED: PreparedHandler(check_dispatched, on_dispatched),
            EventTypes.CASE_CLOCK_CHANGED: on_clock_changed,
        },
        # Its department's topic (settings.case_topics): the dispatch and clock events of its own cases,
        # not every department's traffic. `accepts` still skips another department's events undecoded,
        # for a deployment that reads gov.case.v1 (settings.case_topics).
        consumed_topics=settings.case_topics,
        produced_topics=[Topics.CASE],
        accepts=lambda event: concerns_department(event, department),
    )
    runtime.extras["handlers"] = registry
    runtime.extras["file_store"] = file_store_from_url(settings.file_store_url, max_bytes=settings.file_max_bytes)
    return runtime


def create_app(
    settings: Settings | None = None, *, runtime: ServiceRuntime | None = None, manage_lifespan: bool = True
) -> FastAPI:
    runtime = runtime or create_runtime(settings or Settings())  # type: ignore[call-arg]
    department = runtime.settings.department_code  # type: ignore[attr-defined]
    registry: HandlerRegistry = runtime.extras["handlers"]

    def readiness() -> dict[str, Any]:
        return {"department": department, "handlers": registry.describe()}

    app = create_service_app(
        runtime,
        title=f"业务管理系统 business-systems ({department})",
        description="One department's business system: review chains, work lists, item handlers and attachments.",
        manage_lifespan=manage_lifespan,
        extra_readiness=readiness,
    )
    routers = (review_router, stock_opinions_router, chains_router, files_router, handlers_router, dead_letters_router)
    for router in routers:
        app.include_router(router)
    return app
