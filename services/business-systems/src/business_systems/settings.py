from __future__ import annotations

import json
import os
import socket
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from business_systems.review.opinions import OpinionAction
from gov_common.events import Topics
from gov_common.files import DEFAULT_MAX_BYTES
from gov_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BS_", extra="ignore")

    # data-sharing, for the registry lookups of item handlers (with this system's service identity).
    data_sharing_url: str = "http://127.0.0.1:8030"
    # The department this deployment belongs to, e.g. `amr`; it sees only that department's work.
    department_code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9-]*$")
    database_url: str = ""
    # The item handlers to load, by entry-point name (group gov.business.handlers): a JSON list or
    # comma-separated. A name that is not installed stops the deployment at start-up.
    handlers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Staff attachments: a directory, file:///path or s3://bucket/prefix/ (see gov_common.files).
    file_store_url: str = ""
    file_max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1)
    # The topics its case events come on: by default its department's own (`gov.case.dept.<code>.v1`, which
    # service-management fills since 2026-12-07), a JSON list or comma-separated. While service-management is
    # older, `gov.case.v1`; while it is being upgraded, both (one event on both is handled once: its id).
    case_topics: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The name this replica records on the work items it receives.
    instance_id: str = ""
    # This department's stock opinions (常用意见) by action, e.g. {"deny": ["…"]}; defaults otherwise.
    opinion_templates: dict[OpinionAction, list[Annotated[str, Field(min_length=1, max_length=500)]]] | None = None

    @field_validator("handlers", "case_topics", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [name.strip() for name in text.split(",") if name.strip()]
        return value

    @field_validator("handlers", "case_topics")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _per_department_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///var/business-{self.department_code}.db"
        if not self.consumer_group:
            self.consumer_group = f"business-systems.{self.department_code}"
        if not self.file_store_url:
            self.file_store_url = f"var/files/business-{self.department_code}"
        own = Topics.department_cases(self.department_code)
        if not self.case_topics:
            self.case_topics = [own]
        # A misspelt topic would be an empty one: the department's system would start and never get a case.
        strangers = [t for t in self.case_topics if t not in (own, Topics.CASE)]
        if strangers:
            raise ValueError(f"case_topics: {strangers} is neither {own} nor {Topics.CASE}")
        if not self.instance_id:
            self.instance_id = f"{socket.gethostname()}-{os.getpid()}"
        return self
