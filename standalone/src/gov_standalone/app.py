"""Builds the standalone platform: one ASGI app, the gateway at `/` and the other services mounted
under `/internal/...`, which the gateway reaches over loopback HTTP exactly as it would reach
separate deployments. Only settings differ from the distributed mode."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.routing import Mount

import business_systems.app as business
import data_sharing.app as data_sharing
import portal_gateway.app as gateway
import service_management.app as service_management
from business_systems.settings import Settings as BusinessSettings
from data_sharing.settings import Settings as DataSharingSettings
from gov_common.auth import TokenVerifier
from gov_common.bus.local import LocalBus
from gov_common.service import ServiceRuntime
from portal_gateway.settings import Settings as GatewaySettings
from service_management.settings import Settings as ServiceManagementSettings

log = logging.getLogger("gov_standalone")
DEPARTMENTS = ["amr", "psb", "hrss"]
# The item handler plugins each department loads (entry points of gov.business.handlers).
DEPARTMENT_HANDLERS = {"amr": ["individual-business", "food-business"]}


def create_standalone_app(
    *, var_dir: Path, host: str, port: int, seed_demo: bool = True, departments: list[str] | None = None
) -> FastAPI:
    departments = departments or DEPARTMENTS
    var_dir.mkdir(parents=True, exist_ok=True)
    base = f"http://{host}:{port}/internal"
    common: dict[str, Any] = {
        "environment": "development",
        "bus": "local",
        "seed_demo": seed_demo,
        "relay_poll_seconds": 1.0,
    }

    def sqlite(name: str) -> str:
        return f"sqlite:///{var_dir / name}.db"

    # Each service is a client application of the gateway, with a secret made for this process.
    client_ids = ["service-management", "data-sharing", *[f"business-systems.{d}" for d in departments]]
    secrets_by_client = {c: secrets.token_urlsafe(32) for c in client_ids}

    def identity(client_id: str) -> dict[str, Any]:
        return {
            "service_client_id": client_id,
            "service_client_secret": secrets_by_client[client_id],
            "token_url": f"http://{host}:{port}/api/v1/auth/token",
        }

    gw_settings = GatewaySettings(
        **common,
        database_url=sqlite("portal-gateway"),
        token_signing_key_path=str(var_dir / "keys" / "token-signing.pem"),
        service_management_url=f"{base}/service-management",
        data_sharing_url=f"{base}/data-sharing",
        business_systems_urls={d: f"{base}/business/{d}" for d in departments},
        demo_departments=departments,
        service_clients=secrets_by_client,
        # One-time codes are written here (and served at /api/v1/dev/sms-outbox), not sent.
        sms_dev_outbox=str(var_dir / "sms-outbox.jsonl"),
    )
    sm_settings = ServiceManagementSettings(
        **common,
        **identity("service-management"),
        database_url=sqlite("service-management"),
        data_sharing_url=f"{base}/data-sharing",
        file_store_url=str(var_dir / "files" / "service-management"),
    )
    ds_settings = DataSharingSettings(
        **common,
        **identity("data-sharing"),
        database_url=sqlite("data-sharing"),
        license_signing_key_path=str(var_dir / "keys" / "license-signing.pem"),
        audit_checkpoint_file=str(var_dir / "audit-checkpoints.jsonl"),  # signed audit checkpoints, to archive
        public_base_url=f"http://{host}:{port}",  # encoded in licences' QR codes
    )
    bs_settings = [
        BusinessSettings(
            **common,
            **identity(f"business-systems.{d}"),
            department_code=d,
            database_url=sqlite(f"business-{d}"),
            handlers=DEPARTMENT_HANDLERS.get(d, []),
            file_store_url=str(var_dir / "files" / f"business-{d}"),
            data_sharing_url=f"{base}/data-sharing",
        )
        for d in departments
    ]

    for migrate, settings in [
        (gateway.migrate, gw_settings),
        (service_management.migrate, sm_settings),
        (data_sharing.migrate, ds_settings),
        *[(business.migrate, s) for s in bs_settings],
    ]:
        migrate(settings)  # type: ignore[operator]

    bus = LocalBus(str(var_dir / "bus.db"))
    issuer = gateway.create_issuer(gw_settings)
    verifier = TokenVerifier(issuer.jwks, issuer=gw_settings.token_issuer, audience=gw_settings.token_audience)

    gw_runtime = gateway.create_runtime(gw_settings, bus=bus, issuer=issuer)
    sm_runtime = service_management.create_runtime(sm_settings, bus=bus, verifier=verifier)
    ds_runtime = data_sharing.create_runtime(ds_settings, bus=bus, verifier=verifier)
    bs_runtimes = [business.create_runtime(s, bus=bus, verifier=verifier) for s in bs_settings]
    runtimes: list[ServiceRuntime] = [sm_runtime, ds_runtime, *bs_runtimes, gw_runtime]

    mounts = [
        Mount("/internal/service-management", service_management.create_app(runtime=sm_runtime, manage_lifespan=False)),
        Mount("/internal/data-sharing", data_sharing.create_app(runtime=ds_runtime, manage_lifespan=False)),
        *[
            Mount(
                f"/internal/business/{r.settings.department_code}",  # type: ignore[attr-defined]
                business.create_app(runtime=r, manage_lifespan=False),
            )
            for r in bs_runtimes
        ],
        Mount("/", gateway.create_app(runtime=gw_runtime, manage_lifespan=False)),
    ]

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for runtime in runtimes:
            runtime.start()
        log.info("standalone platform serving on http://%s:%d", host, port)
        try:
            yield
        finally:
            for runtime in reversed(runtimes):
                runtime.stop()
            bus.close()

    app = FastAPI(title="一网通办 standalone", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.router.routes.extend(mounts)
    return app
