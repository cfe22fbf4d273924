"""data-sharing on a fresh PostgreSQL database and a topic namespace of its own on Kafka: its settings (the database
migrated) and its runtime, not started."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from data_sharing.app import create_runtime, migrate
from data_sharing.settings import Settings
from gov_common.auth import TokenVerifier
from gov_common.service import ServiceRuntime


def settings_on_kafka(label: str, new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path) -> Settings:
    settings = Settings(
        environment="test",
        database_url=new_database(f"ds_{label}_{uuid.uuid4().hex[:6]}"),
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=f"{label}{uuid.uuid4().hex[:8]}.",
        license_signing_key_path=str(tmp_path / "license.pem"),
        seed_demo=False,
    )
    migrate(settings)
    return settings


def runtime_of(settings: Settings) -> ServiceRuntime:
    return create_runtime(settings, verifier=TokenVerifier(lambda: {"keys": []}, issuer="x", audience="y"))
