from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from gov_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SM_", extra="ignore")

    database_url: str = "sqlite:///var/service-management.db"
    consumer_group: str = "service-management"
