"""Builds the standalone platform: one process, two listeners in one event loop. The public port
serves the gateway alone (`/internal/...` is 404 there); the other services are mounted under
`/internal/...` on a second listener bound to 127.0.0.1 (`internal_port`, 0 = a free port the OS
chooses), which the gateway and the services reach over loopback HTTP exactly as they would reach
separate deployments. Only settings differ from the distributed mode."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

import business_systems.app as business
import data_sharing.app as data_sharing
import portal_gateway.app as gateway
import service_management.app as service_management
from business_systems.settings import Settings as BusinessSettings
from data_sharing.settings import Settings as DataSharingSettings
from gov_common.auth import TokenVerifier
from gov_common.bus.local import LocalBus
from gov_common.cli import http_options
from gov_common.errors import install_error_handlers, problem
from gov_common.revocation import RevocationFeed, RevocationList
from gov_common.service import ServiceRuntime
from gov_standalone.guards import Bulkhead, install_busy_handlers, size_thread_pool
from portal_gateway.settings import Settings as GatewaySettings
from service_management.settings import Settings as ServiceManagementSettings

log = logging.getLogger("gov_standalone")
DEPARTMENTS = ["amr", "psb", "hrss"]
# The item handler plugins each department loads (entry points of gov.business.handlers).
DEPARTMENT_HANDLERS = {"amr": ["individual-business", "food-business"]}


INTERNAL_HOST = "127.0.0.1"
# Longer than any client's keep-alive expiry (the services' shared clients: 5 s), so that the server
# never closes a kept-alive connection at the moment a client sends on it ("Server disconnected").
KEEP_ALIVE_SECONDS = 30
# Requests each service answers at once (its share of the worker threads, gov_standalone.guards); the
# pool holds them all and leaves the gateway's own endpoints their share.
# Small on purpose: a service's writes are serialised per file and the process has one GIL, so more
# requests at once only wait longer; beyond its share a service sheds load with a quick 503.
SERVICE_CONCURRENCY = {"service-management": 12, "data-sharing": 12, "business": 6}
GATEWAY_THREADS = 40
# How long start-up waits for the revocation list to be read (gov_common.revocation).
REVOCATIONS_CATCH_UP_SECONDS = 30.0


def bind_internal(port: int) -> socket.socket:
    """The internal listener's socket, bound now so that its port (0: the OS chooses) is known to
    the settings; it listens once the services have started."""
    # IPPROTO_TCP named, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every answer on a kept-alive connection (the gateway's calls) waited ~40 ms for the
    # delayed ACK of its headers before its body went out (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart on the same port
    try:
        sock.bind((INTERNAL_HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


async def _internal_not_here(scope: Scope, receive: Receive, send: Send) -> None:
    """The public port never serves the internal mounts."""
    await problem(404, "未找到所请求的地址")(scope, receive, send)


def create_standalone_app(
    *,
    var_dir: Path,
    host: str,
    port: int,
    seed_demo: bool = True,
    departments: list[str] | None = None,
    internal_port: int = 0,
) -> FastAPI:
    """The public app (the gateway). Its lifespan starts the services and the internal listener;
    `app.state.internal_url` is that listener's address (http://127.0.0.1:<port>)."""
    departments = departments or DEPARTMENTS
    var_dir.mkdir(parents=True, exist_ok=True)
    internal_socket = bind_internal(internal_port)
    internal_url = f"http://{INTERNAL_HOST}:{internal_socket.getsockname()[1]}"
    base = f"{internal_url}/internal"
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
    if "upstream_max_in_flight" not in gw_settings.model_fields_set:  # not set by the operator
        # Here a service's queue is its SQLite writer (docs/standalone.md), which refuses with its own 503
        # after its wait: the gateway lets more requests through to it than the distributed default (8), so
        # that twenty filings at once wait their turn at the writer instead of being refused after 0.5 s.
        gw_settings = gw_settings.model_copy(update={"upstream_max_in_flight": 24})
    sm_settings = ServiceManagementSettings(
        **common,
        **identity("service-management"),
        database_url=sqlite("service-management"),
        data_sharing_url=f"{base}/data-sharing",
        file_store_url=str(var_dir / "files" / "service-management"),
        seed_demo_history=seed_demo,
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
    # One process, one bus: one revocation list, read once, for every service.
    revocations = RevocationList()
    revocation_feed = RevocationFeed(bus=bus, revocations=revocations, service="standalone")
    for runtime in runtimes:
        runtime.share_revocations(revocations)

    def guarded(app: FastAPI, name: str, limit: int | None) -> Bulkhead:
        install_busy_handlers(app)
        return Bulkhead(app, name=name, limit=limit)

    sm_app = service_management.create_app(runtime=sm_runtime, manage_lifespan=False)
    ds_app = data_sharing.create_app(runtime=ds_runtime, manage_lifespan=False)
    internal_mounts = [
        Mount(
            "/internal/service-management",
            guarded(sm_app, "service-management", SERVICE_CONCURRENCY["service-management"]),
        ),
        Mount("/internal/data-sharing", guarded(ds_app, "data-sharing", SERVICE_CONCURRENCY["data-sharing"])),
        *[
            Mount(
                f"/internal/business/{r.settings.department_code}",  # type: ignore[attr-defined]
                guarded(
                    business.create_app(runtime=r, manage_lifespan=False),
                    f"business-systems.{r.settings.department_code}",  # type: ignore[attr-defined]
                    SERVICE_CONCURRENCY["business"],
                ),
            )
            for r in bs_runtimes
        ],
    ]
    threads = (
        GATEWAY_THREADS
        + SERVICE_CONCURRENCY["service-management"]
        + SERVICE_CONCURRENCY["data-sharing"]
        + SERVICE_CONCURRENCY["business"] * len(bs_runtimes)
    )
    internal_app = FastAPI(title="一网通办 standalone, internal", openapi_url=None, docs_url=None, redoc_url=None)
    install_error_handlers(internal_app)

    @internal_app.get("/internal/sqlite-writers")
    def sqlite_writers() -> dict[str, dict[str, float]]:
        """Each database file's writer since start: write transactions, how many waited, gave up, the
        time spent waiting and the longest hold (docs/standalone.md)."""
        return {r.name: r.db.writer_lock.figures() for r in runtimes if r.db.writer_lock is not None}

    internal_app.router.routes.extend(internal_mounts)
    internal_server = uvicorn.Server(
        uvicorn.Config(
            internal_app,
            lifespan="off",
            log_config=None,
            timeout_graceful_shutdown=10,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            **http_options(),
        )
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        size_thread_pool(threads)
        revocation_feed.start()
        if not revocation_feed.wait_caught_up(REVOCATIONS_CATCH_UP_SECONDS):
            log.warning("the revocation list is not read yet; not ready until it is")
        for runtime in runtimes:
            runtime.start()
        credit_feed = sm_runtime.extras.get("credit_feed")  # the credit read model (service-management)
        if credit_feed is not None and not credit_feed.wait_vouched(REVOCATIONS_CATCH_UP_SECONDS):
            log.warning("the credit lists are not read yet; instant approvals wait until they are")
        # The second listener, in this event loop. When the process is signalled it stops first, then
        # hands the signal on to the public server (uvicorn restores and re-raises it), which ends this.
        internal = asyncio.create_task(internal_server.serve(sockets=[internal_socket]))
        while not internal_server.started and not internal.done():
            await asyncio.sleep(0.01)
        if internal.done():
            internal.result()  # its start-up failed: say why
            raise RuntimeError("the internal listener stopped at start")
        log.info("standalone platform serving on http://%s:%d (services on %s/internal)", host, port, internal_url)
        try:
            yield
        finally:
            internal_server.should_exit = True
            await internal
            internal_socket.close()
            for runtime in reversed(runtimes):
                runtime.stop()
            revocation_feed.stop()
            bus.close()

    app = FastAPI(title="一网通办 standalone", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    # A path no mount takes (one with a line break: a mount's pattern stops at it) is answered here.
    install_error_handlers(app)
    app.router.routes.extend(
        [
            Mount("/internal", app=_internal_not_here),
            Mount("/", guarded(gateway.create_app(runtime=gw_runtime, manage_lifespan=False), "portal-gateway", None)),
        ]
    )
    app.state.internal_url = internal_url
    return app
