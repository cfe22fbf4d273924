"""The portal-gateway application: accounts and tokens, and routing to the other services."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.bus import Bus
from gov_common.http import async_client
from gov_common.keys import load_or_create_private_key, load_public_key
from gov_common.load_shedding import install_admission_limit
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app
from portal_gateway.accounts.clients import sync_service_clients
from portal_gateway.accounts.endpoints import router as accounts_router
from portal_gateway.accounts.service import seed_demo_staff
from portal_gateway.accounts.throttle import LoginThrottle, ThrottleLimits
from portal_gateway.accounts.totp import router as totp_router
from portal_gateway.entities.endpoints import router as entities_router
from portal_gateway.identity.endpoints import router as identity_router
from portal_gateway.identity.sms import AliyunSmsChannel, DevSmsChannel, SmsChannel
from portal_gateway.identity.verifier import DataSharingVerifier, IdentityServiceVerifier, IdentityVerifier
from portal_gateway.notifications.consumer import TOPICS as NOTIFICATION_TOPICS
from portal_gateway.notifications.consumer import make_handlers as notification_handlers
from portal_gateway.oidc.endpoints import install_oidc
from portal_gateway.ratelimit import RateLimiter
from portal_gateway.revocation import install_token_check
from portal_gateway.routes import install_routes
from portal_gateway.routing import UpstreamLimits, UrlLimit
from portal_gateway.settings import Settings
from portal_gateway.ui import install_ui

NAME = "portal-gateway"
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: Settings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def create_issuer(settings: Settings) -> TokenIssuer:
    key = load_or_create_private_key(settings.token_signing_key_path, create=settings.environment != "production")
    return TokenIssuer(
        key,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.token_ttl_seconds,
        published_keys=[load_public_key(p) for p in settings.token_published_key_paths],
    )


def create_runtime(settings: Settings, *, bus: Bus | None = None, issuer: TokenIssuer | None = None) -> ServiceRuntime:
    issuer = issuer or create_issuer(settings)
    # The gateway verifies its own tokens against its own key; no HTTP round trip.
    verifier = TokenVerifier(issuer.jwks, issuer=settings.token_issuer, audience=settings.token_audience)
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        bus=bus,
        verifier=verifier,
        # The applicant's inbox, filled from case and licence events (portal_gateway.notifications).
        handlers=notification_handlers(),
        consumed_topics=NOTIFICATION_TOPICS,
        gather_ms=settings.notification_gather_ms,
    )
    runtime.extras["token_issuer"] = issuer
    if settings.service_clients:

        def _sync_clients() -> None:
            try:
                with runtime.db.session() as session:
                    sync_service_clients(session, settings.service_clients)
            except IntegrityError:
                # Another worker process added the same client a moment earlier: check it again.
                with runtime.db.session() as session:
                    sync_service_clients(session, settings.service_clients)

        runtime.on_start.append(_sync_clients)
    if settings.seed_demo:

        def _seed() -> None:
            with runtime.db.session() as session:
                seed_demo_staff(session, departments=settings.demo_departments, password=settings.demo_password)

        runtime.on_start.append(_seed)
    return runtime


def create_identity_verifier(
    settings: Settings, http: Callable[[], httpx.AsyncClient], issuer: TokenIssuer
) -> IdentityVerifier:
    if settings.identity_verifier == "http":
        return IdentityServiceVerifier(
            http, settings.identity_service_url, settings.identity_service_secret.get_secret_value()
        )
    return DataSharingVerifier(http, settings.data_sharing_url, issuer)


def create_sms_channel(settings: Settings, http: Callable[[], httpx.AsyncClient]) -> SmsChannel:
    if settings.sms_channel == "aliyun":
        return AliyunSmsChannel(
            http,
            access_key_id=settings.sms_access_key_id,
            access_key_secret=settings.sms_access_key_secret.get_secret_value(),
            sign_name=settings.sms_sign_name,
            template_code=settings.sms_template_code,
            endpoint=settings.sms_endpoint,
        )
    return DevSmsChannel(settings.sms_dev_outbox or "var/sms-outbox.jsonl")


def create_app(
    settings: Settings | None = None, *, runtime: ServiceRuntime | None = None, manage_lifespan: bool = True
) -> FastAPI:
    runtime = runtime or create_runtime(settings or Settings())
    app = create_service_app(
        runtime,
        title="互联网政务服务门户 portal-gateway",
        description="The one public entry of the platform: accounts, tokens, and the API of every service.",
        manage_lifespan=manage_lifespan,
        admission=False,  # installed below, in front of the token check
    )
    app.state.token_issuer = runtime.extras["token_issuer"]
    gateway_settings: Settings = runtime.settings  # type: ignore[assignment]
    app.state.login_throttle = LoginThrottle(runtime.db, ThrottleLimits.of(gateway_settings))
    app.state.rate_limiter = RateLimiter(runtime.db)
    app.state.http = async_client(
        gateway_settings.http_timeout_seconds,
        keepalive_expiry=gateway_settings.http_keepalive_expiry_seconds,
        max_connections=gateway_settings.http_max_connections,
        pool_timeout=gateway_settings.upstream_queue_seconds,
    )
    app.state.upstream_limits = UpstreamLimits(
        gateway_settings.upstream_max_in_flight,
        gateway_settings.upstream_queue_seconds,
        retry_after=gateway_settings.overload_retry_after_seconds,
    )
    app.state.on_shutdown.append(app.state.http.aclose)

    def http() -> httpx.AsyncClient:
        client: httpx.AsyncClient = app.state.http
        return client

    app.state.identity_verifier = create_identity_verifier(gateway_settings, http, app.state.token_issuer)
    app.state.sms_channel = create_sms_channel(gateway_settings, http)
    install_token_check(app)
    # Overload is refused before the token check's database read (gov_common.load_shedding).
    install_admission_limit(app, gateway_settings)
    app.add_middleware(UrlLimit)  # outermost: before the token check and any route
    app.include_router(accounts_router)
    app.include_router(totp_router)
    app.include_router(identity_router)
    app.include_router(entities_router)
    install_oidc(app, gateway_settings)
    install_routes(app)  # the gateway's own routes, the routing table, the public OpenAPI document
    install_ui(app)
    return app
