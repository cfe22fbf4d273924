"""A department's business system: runtime, routes and migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.orm import Session

from business_systems.review.endpoints import router as review_router
from business_systems.review.service import receive_dispatched
from business_systems.settings import Settings
from gov_common.auth import TokenVerifier
from gov_common.bus import Bus
from gov_common.events import Event, EventTypes, Topics
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: Settings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def create_runtime(
    settings: Settings, *, bus: Bus | None = None, verifier: TokenVerifier | None = None
) -> ServiceRuntime:
    department = settings.department_code

    def on_dispatched(session: Session, event: Event) -> None:
        receive_dispatched(session, event, department_code=department)

    return ServiceRuntime(
        name=f"business-systems.{department}",
        settings=settings,
        bus=bus,
        verifier=verifier,
        handlers={EventTypes.CASE_DISPATCHED: on_dispatched},
        consumed_topics=[Topics.CASE],
        produced_topics=[Topics.CASE],
    )


def create_app(
    settings: Settings | None = None, *, runtime: ServiceRuntime | None = None, manage_lifespan: bool = True
) -> FastAPI:
    runtime = runtime or create_runtime(settings or Settings())  # type: ignore[call-arg]
    department = runtime.settings.department_code  # type: ignore[attr-defined]
    app = create_service_app(
        runtime,
        title=f"业务管理系统 business-systems ({department})",
        description="One department's business system: its work list, review and decisions.",
        manage_lifespan=manage_lifespan,
        extra_readiness=lambda: {"department": department},
    )
    app.include_router(review_router)
    return app
