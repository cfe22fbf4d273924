from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from gov_common.settings import ServiceSettings
from portal_gateway import passwords


class RateLimit(BaseModel):
    """At most `limit` counted requests within the last `window_seconds` (portal_gateway.ratelimit);
    set as GW_RATE_<WHAT>__LIMIT and GW_RATE_<WHAT>__WINDOW_SECONDS."""

    model_config = ConfigDict(frozen=True)

    limit: int = Field(ge=1)
    # At most a day: the limiter keeps its rows for a day (portal_gateway.ratelimit.RETENTION).
    window_seconds: int = Field(ge=1, le=86400)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GW_", extra="ignore")

    database_url: str = "sqlite:///var/portal-gateway.db"
    consumer_group: str = "portal-gateway"
    # How long the notifications' fetches wait for events to gather: a batch (one transaction, one offset
    # commit) per this much of the case and licence events, for an inbox at most about this late. 0: fetch
    # like the groups a case waits for.
    notification_gather_ms: int = Field(default=1000, ge=0, le=10000)
    # Ed25519 key that signs access tokens; generated on first start outside production.
    token_signing_key_path: str = "var/keys/token-signing.pem"
    # Further keys (PEM, public or private) published in the JWKS during a key rotation.
    token_published_key_paths: list[str] = Field(default_factory=list)
    token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    service_management_url: str = "http://127.0.0.1:8010"
    data_sharing_url: str = "http://127.0.0.1:8030"
    # Department code -> base URL of that department's business system, e.g. {"amr": "http://..."}.
    business_systems_urls: dict[str, str] = Field(default_factory=dict)
    # Load shedding per upstream service (portal_gateway.routing.UpstreamLimits, docs/operations.md):
    # at most upstream_max_in_flight forwarded requests at once to each service per gateway process;
    # one more waits upstream_queue_seconds for a place, then 503 with Retry-After. The HTTP client
    # keeps at most http_max_connections connections (all upstreams together); a request that finds
    # none free within upstream_queue_seconds is refused the same way. 8: a service's CPU carries only
    # so many requests at once; more in flight only lengthens each (make bench's overload step, issue 13:
    # with 24 an overloaded service-management answered in up to 3-17 s, with 8 within 2 s).
    upstream_max_in_flight: int = Field(default=8, ge=1)
    upstream_queue_seconds: float = Field(default=0.5, gt=0)
    http_max_connections: int = Field(default=200, ge=1)
    # The gateway's own admission limit (in front of the token check) counts requests waiting on any
    # upstream: above the per upstream limits, so that a saturated service does not crowd out the others.
    max_concurrent_requests: int = Field(default=100, ge=1)
    demo_departments: list[str] = Field(default_factory=lambda: ["amr", "psb", "hrss"])
    demo_password: str = "demo12345"
    # The platform's own services as client applications: client id -> secret (from a Secret).
    service_clients: dict[str, str] = Field(default_factory=dict)
    # Password guessing (portal_gateway.accounts.throttle, docs/identity.md), failures counted within
    # the window. From a device the account does not know: after `before_delay` failures of one name
    # from one address, and after `per_address` failures of any names from one address, each further
    # try waits `delay_seconds`, doubled with every failure (at most the window); beyond
    # `per_account` failures of one name from all such callers, it is refused for the rest of the
    # window. A known device (a device cookie, `device_days` long) is held back only by its own
    # failures: after `per_device` of them it is a stranger again. Wrong second-factor codes:
    # `code_failures` per staff name, whoever sends them.
    login_failures_before_delay: int = Field(default=5, ge=1)
    login_delay_seconds: int = Field(default=30, ge=1)
    login_max_failures_per_account: int = Field(default=20, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_max_failures_per_device: int = Field(default=10, ge=1)
    login_max_code_failures: int = Field(default=5, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=60, le=86400)
    login_device_days: int = Field(default=180, ge=1, le=3650)
    # Real-name verification (docs/identity.md): the county's registries in data-sharing, or a
    # national/provincial identity service of the same shape at identity_service_url.
    identity_verifier: Literal["data-sharing", "http"] = "data-sharing"
    identity_service_url: str = ""
    identity_service_secret: SecretStr = SecretStr("")
    # One-time codes to the registry's phone (L2): the channel, and how codes live.
    sms_channel: Literal["dev", "aliyun"] = "dev"
    # The dev channel's file (JSON lines); None: var/sms-outbox.jsonl, beside the SQLite files.
    sms_dev_outbox: str | None = None
    sms_access_key_id: str = ""
    sms_access_key_secret: SecretStr = SecretStr("")
    sms_sign_name: str = ""
    sms_template_code: str = ""
    sms_endpoint: str = "https://dysmsapi.aliyuncs.com/"
    phone_code_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    phone_code_resend_seconds: int = Field(default=60, ge=1)
    phone_code_max_per_hour: int = Field(default=5, ge=1)
    phone_code_max_attempts: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _no_development_sms_in_production(self) -> Settings:
        if self.environment == "production" and passwords.profile() != "standard":
            raise ValueError(f"{passwords.PROFILE_ENV}=fast is for the test suite only: production hashes in full")
        if self.environment == "production" and self.sms_channel == "dev":
            raise ValueError("GW_SMS_CHANNEL=dev only writes codes to a file: choose a real channel in production")
        if self.sms_channel == "aliyun":
            missing = [
                name
                for name, value in (
                    ("sms_access_key_id", self.sms_access_key_id),
                    ("sms_access_key_secret", self.sms_access_key_secret.get_secret_value()),
                    ("sms_sign_name", self.sms_sign_name),
                    ("sms_template_code", self.sms_template_code),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"GW_SMS_CHANNEL=aliyun needs {', '.join(missing)}")
        if self.identity_verifier == "http" and not self.identity_service_url:
            raise ValueError("GW_IDENTITY_VERIFIER=http needs GW_IDENTITY_SERVICE_URL")
        return self

    # Sign-in through the provincial unified identity platform (OpenID Connect, docs/identity.md).
    # No issuer: the sign-in is off. The issuer is recorded as who raised an account to L3 (a column
    # of 64 characters), so it may not be longer.
    oidc_issuer: str | None = Field(default=None, max_length=64)
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    # The gateway's callback as registered at the provider: <public address>/api/v1/auth/oidc/callback.
    oidc_redirect_uri: str = ""
    oidc_id_number_claim: str = "id_number"
    oidc_name_claim: str = "name"
    oidc_display_name: str = "浙江政务服务网统一身份认证"
    oidc_scopes: str = "openid profile"

    @model_validator(mode="after")
    def _oidc_needs_a_client(self) -> Settings:
        if self.oidc_issuer is not None:
            # Compared character for character with the provider's `iss`: only blanks are trimmed.
            self.oidc_issuer = self.oidc_issuer.strip() or None
        if self.oidc_issuer is None:
            return self
        missing = [
            name
            for name, value in (
                ("oidc_client_id", self.oidc_client_id),
                ("oidc_client_secret", self.oidc_client_secret.get_secret_value()),
                ("oidc_redirect_uri", self.oidc_redirect_uri),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"oidc_issuer is set, so {', '.join(missing)} must be set too")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError("oidc_scopes must include openid")
        if self.environment == "production" and not self.oidc_issuer.startswith("https://"):
            raise ValueError("oidc_issuer must be an https:// address in production")
        return self

    # Throttling at the front door (docs/identity.md), counted in the gateway's database so that every
    # replica counts the same, per caller address (the phone codes have their own: phone_code_*).
    rate_registration: RateLimit = RateLimit(limit=10, window_seconds=3600)
    rate_token: RateLimit = RateLimit(limit=30, window_seconds=60)
    rate_license_verify: RateLimit = RateLimit(limit=60, window_seconds=60)
    # Public licence lookups that found no licence: beyond these, every lookup from the address is
    # refused for a while, so that made-up numbers cannot enumerate the licences.
    rate_license_misses: RateLimit = RateLimit(limit=10, window_seconds=600)
    # The public progress look-up (case number + last six characters of the ID number, no login): per
    # address, and its misses per address and per case number, so that neither many guesses from one
    # address nor guesses at one case number from many addresses can find the six characters.
    rate_progress_lookup: RateLimit = RateLimit(limit=30, window_seconds=60)
    rate_progress_misses: RateLimit = RateLimit(limit=10, window_seconds=600)
    rate_progress_case_misses: RateLimit = RateLimit(limit=20, window_seconds=3600)
    # Staff second factor (TOTP): None means on in production, off elsewhere (`totp_required_for_staff`).
    staff_totp_required: bool | None = None
    # The issuer an authenticator app shows beside the staff user name.
    staff_totp_issuer: str = Field(default="一网通办", min_length=1, max_length=60)

    @field_validator(
        "rate_registration",
        "rate_token",
        "rate_license_verify",
        "rate_license_misses",
        "rate_progress_lookup",
        "rate_progress_misses",
        "rate_progress_case_misses",
        mode="before",
    )
    @classmethod
    def _rate_over_its_default(cls, value: Any, info: ValidationInfo) -> Any:
        # GW_RATE_TOKEN__LIMIT=100 alone keeps the default window (and the other way round).
        if isinstance(value, dict) and info.field_name is not None:
            default = cls.model_fields[info.field_name].default
            if isinstance(default, RateLimit):
                return default.model_dump() | value
        return value

    @property
    def totp_required_for_staff(self) -> bool:
        if self.staff_totp_required is None:
            return self.environment == "production"
        return self.staff_totp_required
