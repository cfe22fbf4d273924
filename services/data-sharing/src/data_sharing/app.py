"""The data-sharing application: runtime, routes and migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.orm import Session

from data_sharing.licenses.endpoints import router as licenses_router
from data_sharing.licenses.service import issue_for_approved_case
from data_sharing.licenses.signing import LicenseSigner
from data_sharing.settings import Settings
from gov_common.auth import TokenVerifier
from gov_common.bus import Bus
from gov_common.events import Event, EventTypes, Topics
from gov_common.keys import load_or_create_private_key
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app

NAME = "data-sharing"
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: Settings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def create_signer(settings: Settings) -> LicenseSigner:
    key = load_or_create_private_key(settings.license_signing_key_path, create=settings.environment != "production")
    return LicenseSigner(key)


def create_runtime(
    settings: Settings,
    *,
    bus: Bus | None = None,
    verifier: TokenVerifier | None = None,
    signer: LicenseSigner | None = None,
) -> ServiceRuntime:
    signer = signer or create_signer(settings)

    def on_approved(session: Session, event: Event) -> None:
        issue_for_approved_case(session, event, signer=signer)

    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        bus=bus,
        verifier=verifier,
        handlers={EventTypes.CASE_APPROVED: on_approved},
        consumed_topics=[Topics.CASE],
        produced_topics=[Topics.LICENSE],
    )
    runtime.extras["license_signer"] = signer
    return runtime


def create_app(
    settings: Settings | None = None, *, runtime: ServiceRuntime | None = None, manage_lifespan: bool = True
) -> FastAPI:
    runtime = runtime or create_runtime(settings or Settings())
    app = create_service_app(
        runtime,
        title="政务服务数据共享平台 data-sharing",
        description="Base registries, the electronic-licence library, credit, data catalogue and audit.",
        manage_lifespan=manage_lifespan,
    )
    app.state.license_signer = runtime.extras["license_signer"]
    app.include_router(licenses_router)
    return app
