"""The service-management application: runtime, routes and migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gov_common.auth import TokenVerifier
from gov_common.bus import Bus
from gov_common.events import Topics
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app
from service_management.cases.endpoints import router as cases_router
from service_management.cases.service import HANDLERS
from service_management.catalogue.endpoints import router as catalogue_router
from service_management.seed import seed_demo
from service_management.settings import Settings

NAME = "service-management"
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: Settings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def create_runtime(
    settings: Settings, *, bus: Bus | None = None, verifier: TokenVerifier | None = None
) -> ServiceRuntime:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        bus=bus,
        verifier=verifier,
        handlers=HANDLERS,
        consumed_topics=[Topics.CASE, Topics.LICENSE],
        produced_topics=[Topics.CASE],
    )
    if settings.seed_demo:

        def _seed() -> None:
            with runtime.db.session() as session:
                seed_demo(session)

        runtime.on_start.append(_seed)
    return runtime


def create_app(
    settings: Settings | None = None, *, runtime: ServiceRuntime | None = None, manage_lifespan: bool = True
) -> FastAPI:
    runtime = runtime or create_runtime(settings or Settings())
    app = create_service_app(
        runtime,
        title="政务服务管理平台 service-management",
        description="Catalogue of service items, one-window intake, dispatch and case workflow.",
        manage_lifespan=manage_lifespan,
    )
    app.include_router(catalogue_router)
    app.include_router(cases_router)
    return app
