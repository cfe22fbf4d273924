"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/service.db"
    bus: Literal["kafka", "local"] = "local"
    kafka_bootstrap: str = "127.0.0.1:29092"
    kafka_partitions: int = Field(default=3, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    # How the Kafka clients reach the brokers: PLAINTEXT inside a trusted network; across hosts
    # SASL_SSL with SCRAM (Strimzi's `scram-sha-512` listener) or SSL with client certificates.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    kafka_ssl_cafile: str | None = None  # the cluster's CA (PEM) when it is not in the system store
    kafka_ssl_certfile: str | None = None  # client certificate (PEM) for SSL client authentication
    kafka_ssl_keyfile: str | None = None
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
    # Published outbox rows are deleted by the relay this many hours after they went out (0: kept for ever).
    outbox_retention_hours: float = Field(default=168.0, ge=0)
    # Inbox rows (events handled, kept so that one delivered again is not handled twice) are deleted by the
    # relay this many hours after the event was handled (0: kept for ever). Beyond every consumed topic's
    # retention (deploy/k8s/kafka: 30 days at most) and the groups' offset retention (7 days).
    inbox_retention_hours: float = Field(default=1080.0, ge=0)
    # Throughput of the messaging core (docs/messaging.md): events per relay batch, the producer's
    # linger and batch bytes per partition, messages per consumer poll batch (one transaction), and
    # the consumer's fetch sizes.
    relay_batch_size: int = Field(default=500, ge=1)
    kafka_linger_ms: int = Field(default=5, ge=0)
    kafka_batch_size: int = Field(default=64 * 1024, ge=1024)
    # How long a Kafka client waits to reach a first broker (refused credentials included) before failing.
    kafka_bootstrap_timeout_seconds: float = Field(default=30, gt=0)
    # At most 64: PostgreSQL keeps 64 subtransactions (savepoints that wrote) per transaction in memory;
    # beyond that every other session's snapshot gets slower while the batch is open.
    consumer_max_poll_records: int = Field(default=64, ge=1)
    consumer_fetch_min_bytes: int = Field(default=1, ge=1)
    consumer_fetch_max_wait_ms: int = Field(default=500, ge=0)
    # While events come at least two per busy wait (gov_common.bus.kafka._FetchModes, docs/messaging.md),
    # a Kafka consumer's fetches wait up to this long for this much to gather, so that under a steady load
    # fetches, batches and offset commits come in tens; a wait of 0: the idle fetch settings always.
    consumer_busy_fetch_min_bytes: int = Field(default=65536, ge=1)
    consumer_busy_fetch_max_wait_ms: int = Field(default=50, ge=0)
    consumer_max_partition_fetch_bytes: int = Field(default=1024 * 1024, ge=1024)
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    # A failure of infrastructure (docs/messaging.md) is retried without limit, its waits doubling from
    # consumer_retry_backoff_seconds up to this.
    consumer_retry_backoff_cap_seconds: float = Field(default=15.0, gt=0)
    run_worker: bool = True
    seed_demo: bool = False
    log_level: str = "INFO"
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    # Processes, connections and overload (docs/operations.md).
    # Keep-alive: our HTTP clients drop an idle connection after http_keepalive_expiry_seconds, our
    # servers after server_keep_alive_seconds; the server's must be the longer, so that a server never
    # closes a connection just as a client reuses it.
    http_keepalive_expiry_seconds: float = Field(default=5.0, gt=0)
    server_keep_alive_seconds: int = Field(default=30, ge=1)
    # Admission: at most max_concurrent_requests requests in progress per API process (Starlette
    # runs sync endpoints on 40 threads); one more waits admission_wait_seconds for a place, then is
    # answered 503 with Retry-After: overload_retry_after_seconds.
    max_concurrent_requests: int = Field(default=40, ge=1)
    admission_wait_seconds: float = Field(default=0.5, ge=0)
    overload_retry_after_seconds: int = Field(default=2, ge=1)
    # PostgreSQL connections per process (API threads, consumer, relay): db_pool_size kept open, up
    # to db_max_overflow more while busy; a session that gets none within db_pool_timeout_seconds is
    # answered 503 with Retry-After. Size it so that every process of every service, at most, fits
    # in the server's max_connections (docs/operations.md).
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # The bearer token Prometheus sends to scrape /metrics (gov_common.metrics). Required in
    # production; without it /metrics answers only callers on this machine (loopback).
    metrics_token: SecretStr = SecretStr("")
    # Request bodies (gov_common.limits): any route, and the upload and import routes that say so.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_body_bytes: int = Field(default=10 * 1024 * 1024 + 64 * 1024, ge=1024)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        # Accept the URLs operators usually have at hand and use the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @model_validator(mode="after")
    def _server_keeps_connections_longer(self) -> ServiceSettings:
        if self.server_keep_alive_seconds <= self.http_keepalive_expiry_seconds:
            raise ValueError(
                "server_keep_alive_seconds must be longer than http_keepalive_expiry_seconds: a server that "
                "closes an idle connection first races the client reusing it"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_real_infrastructure(self) -> ServiceSettings:
        if self.environment == "production":
            if self.seed_demo:
                raise ValueError("seed_demo must be off in production: demo accounts have a public password")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL, not SQLite")
            if len(self.metrics_token.get_secret_value()) < 16:
                raise ValueError("production needs a metrics_token of at least 16 characters: /metrics is not public")
        return self

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> ServiceSettings:
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password.get_secret_value()
        ):
            raise ValueError(
                f"kafka_security_protocol {self.kafka_security_protocol} needs a SASL user name and password"
            )
        return self

    def kafka_security(self) -> dict[str, Any]:
        """The kafka-python settings for `kafka_security_protocol`, for producers, consumers and admins."""
        config: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol.startswith("SASL_"):
            config |= {
                "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username,
                "sasl_plain_password": self.kafka_sasl_password.get_secret_value(),
            }
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            config |= {
                "ssl_check_hostname": True,
                "ssl_cafile": self.kafka_ssl_cafile,
                "ssl_certfile": self.kafka_ssl_certfile,
                "ssl_keyfile": self.kafka_ssl_keyfile,
            }
        return config

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
