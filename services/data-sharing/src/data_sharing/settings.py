from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from gov_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DS_", extra="ignore")

    database_url: str = "sqlite:///var/data-sharing.db"
    consumer_group: str = "data-sharing"
    # Ed25519 key that signs electronic licences; generated on first start outside production.
    license_signing_key_path: str = "var/keys/license-signing.pem"
