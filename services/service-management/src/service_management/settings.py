from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gov_common.files import DEFAULT_MAX_BYTES
from gov_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SM_", extra="ignore")

    database_url: str = "sqlite:///var/service-management.db"
    consumer_group: str = "service-management"
    # The held licences (expiry reminders, personal/reminders.py) are kept from gov.license.v1 by a group of their
    # own that gathers the licence events (one transaction and one statement per `held_licences_gather_ms` of
    # them), apart from the cases' group, on whose path the licence concludes a case. A new group reads the topic
    # from its beginning: harmless, every effect is keyed by the licence's number.
    held_licences_consumer_group: str = "service-management-held-licences"
    held_licences_gather_ms: int = Field(default=1000, ge=0, le=10000)
    # data-sharing, for licence checks (service credentials are used); the credit status comes from
    # the read model of its credit feed (credit_model.py).
    data_sharing_url: str = "http://127.0.0.1:8000/internal/data-sharing"
    data_sharing_timeout_seconds: float = Field(default=3.0, gt=0)
    # 您可能还需要 asks data-sharing's warehouse while the page waits: a short timeout, then it is left out.
    next_items_timeout_seconds: float = Field(default=1.0, gt=0)
    # The credit read model vouches for the lists only while data-sharing's heartbeat (every 2 s by
    # default) is at most this old; beyond it instant approvals wait (503 credit_unavailable).
    credit_max_age_seconds: float = Field(default=15.0, gt=0)
    # Applicants' material files: a directory, or s3://bucket/prefix (see gov_common.files).
    file_store_url: str = "var/files"
    file_max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1024)
    # How often the event worker runs the supervision scan (0: only on demand).
    supervision_interval_seconds: float = Field(default=60.0, ge=0)
    # With seed_demo: five months of concluded demo cases, so the supervision dashboard has figures
    # (standalone turns it on; tests that count cases leave it off).
    seed_demo_history: bool = False
