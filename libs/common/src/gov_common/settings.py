"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/service.db"
    bus: Literal["kafka", "local"] = "local"
    kafka_bootstrap: str = "127.0.0.1:29092"
    kafka_partitions: int = Field(default=3, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    # Prefix of every topic name on the broker (e.g. `staging.`); the code names topics without it.
    topic_namespace: str = Field(default="", pattern=r"^[A-Za-z0-9._-]*$")
    local_bus_path: str = "var/bus.db"
    # The consumer group; also the name under which handled events are kept in the inbox.
    consumer_group: str = ""
    jwks_url: str = "http://127.0.0.1:8000/api/v1/auth/jwks"
    # This service's own client credentials at the gateway, for calls with no user behind them.
    token_url: str = "http://127.0.0.1:8000/api/v1/auth/token"
    service_client_id: str = ""
    service_client_secret: str = ""
    token_issuer: str = "portal-gateway"
    token_audience: str = "gov-platform"
    relay_poll_seconds: float = Field(default=2.0, gt=0)
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    run_worker: bool = True
    seed_demo: bool = False
    log_level: str = "INFO"
    http_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        # Accept the URLs operators usually have at hand and use the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @model_validator(mode="after")
    def _production_needs_real_infrastructure(self) -> ServiceSettings:
        if self.environment == "production":
            if self.seed_demo:
                raise ValueError("seed_demo must be off in production: demo accounts have a public password")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL, not SQLite")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
