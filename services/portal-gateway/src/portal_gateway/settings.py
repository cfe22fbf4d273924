from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from gov_common.settings import ServiceSettings


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
    # Ed25519 key that signs access tokens; generated on first start outside production.
    token_signing_key_path: str = "var/keys/token-signing.pem"
    # Further keys (PEM, public or private) published in the JWKS during a key rotation.
    token_published_key_paths: list[str] = Field(default_factory=list)
    token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    service_management_url: str = "http://127.0.0.1:8010"
    data_sharing_url: str = "http://127.0.0.1:8030"
    # Department code -> base URL of that department's business system, e.g. {"amr": "http://..."}.
    business_systems_urls: dict[str, str] = Field(default_factory=dict)
    demo_departments: list[str] = Field(default_factory=lambda: ["amr", "psb", "hrss"])
    demo_password: str = "demo12345"
    # The platform's own services as client applications: client id -> secret (from a Secret).
    service_clients: dict[str, str] = Field(default_factory=dict)
    # Password guessing: after this many failed logins within the window an account (or a client
    # application) is refused for the rest of the window; an address that fails this often, too.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=60)
    # Throttling at the front door (docs/identity.md), counted in the gateway's database so that every
    # replica counts the same: per caller address, or per account for phone codes.
    rate_registration: RateLimit = RateLimit(limit=10, window_seconds=3600)
    rate_token: RateLimit = RateLimit(limit=30, window_seconds=60)
    rate_phone_code_minute: RateLimit = RateLimit(limit=1, window_seconds=60)
    rate_phone_code_hour: RateLimit = RateLimit(limit=5, window_seconds=3600)
    rate_license_verify: RateLimit = RateLimit(limit=60, window_seconds=60)
    # Public licence lookups that found no licence: beyond these, every lookup from the address is
    # refused for a while, so that made-up numbers cannot enumerate the licences.
    rate_license_misses: RateLimit = RateLimit(limit=10, window_seconds=600)
    # Staff second factor (TOTP): None means on in production, off elsewhere (`totp_required_for_staff`).
    staff_totp_required: bool | None = None
    # The issuer an authenticator app shows beside the staff user name.
    staff_totp_issuer: str = Field(default="一网通办", min_length=1, max_length=60)

    @field_validator(
        "rate_registration",
        "rate_token",
        "rate_phone_code_minute",
        "rate_phone_code_hour",
        "rate_license_verify",
        "rate_license_misses",
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
