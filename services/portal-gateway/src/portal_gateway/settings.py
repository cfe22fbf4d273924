from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gov_common.settings import ServiceSettings


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
