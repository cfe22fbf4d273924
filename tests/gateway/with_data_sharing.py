"""The gateway in front of the real data-sharing service (both on PostgreSQL), in one process:
the gateway's outgoing HTTP goes to each host's ASGI app as loopback HTTP would. Other hosts
(e.g. a service-management answering one contract) are the test's to add."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from data_sharing.app import create_app as create_ds_app
from data_sharing.app import create_runtime as create_ds_runtime
from data_sharing.app import migrate as migrate_ds
from gov_common.auth import TokenVerifier
from gov_common.service import ServiceRuntime
from portal_gateway.app import create_app as create_gw_app
from portal_gateway.app import migrate as migrate_gw
from portal_gateway.settings import Settings as GatewaySettings
from tests.data_sharing.conftest import ds_settings


class Router(httpx.AsyncBaseTransport):
    """Sends each host's requests to its ASGI app, as loopback HTTP would."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self._transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transports[request.url.host].handle_async_request(request)


@dataclass
class Platform:
    gateway: TestClient
    ds: ServiceRuntime
    gw: ServiceRuntime


@contextmanager
def gateway_with_data_sharing(
    new_database: Callable[[str], str], tmp_path: Path, *, others: dict[str, Any] | None = None, **gw: Any
) -> Iterator[Platform]:
    suffix = uuid.uuid4().hex[:6]
    gw_settings = GatewaySettings(
        environment="test",
        database_url=new_database(f"gw_{suffix}"),
        bus="local",
        local_bus_path=str(tmp_path / "gw-bus.db"),
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_management_url="http://sm.test",
        data_sharing_url="http://ds.test",
        sms_dev_outbox=str(tmp_path / "sms-outbox.jsonl"),
        **gw,
    )
    migrate_gw(gw_settings)
    gw_app = create_gw_app(gw_settings)
    issuer = gw_app.state.token_issuer
    settings = ds_settings(new_database(f"ds_{suffix}"), tmp_path)
    migrate_ds(settings)
    ds_runtime = create_ds_runtime(
        settings, verifier=TokenVerifier(issuer.jwks, issuer=issuer.issuer, audience=issuer.audience)
    )
    ds_app = create_ds_app(runtime=ds_runtime, manage_lifespan=False)
    ds_runtime.start()
    try:
        with TestClient(gw_app, raise_server_exceptions=False) as gateway:
            gw_app.state.http = httpx.AsyncClient(transport=Router({"ds.test": ds_app, **(others or {})}), timeout=10)
            yield Platform(gateway=gateway, ds=ds_runtime, gw=gw_app.state.runtime)
    finally:
        ds_runtime.stop()
