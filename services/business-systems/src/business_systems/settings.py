from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from gov_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BS_", extra="ignore")

    # The department this deployment belongs to, e.g. `amr`; it sees only that department's work.
    department_code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9-]*$")
    database_url: str = ""

    @model_validator(mode="after")
    def _per_department_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///var/business-{self.department_code}.db"
        if not self.consumer_group:
            self.consumer_group = f"business-systems.{self.department_code}"
        return self
