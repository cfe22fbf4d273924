from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ClientApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    contact: str = Field(default="", max_length=200, description="Who answers for the application")
    department_code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,31}$")


class ClientApplicationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    contact: str | None = Field(default=None, max_length=200)
    department_code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    active: bool | None = None


class ClientApplicationOut(BaseModel):
    client_id: str
    name: str
    description: str
    contact: str
    department_code: str | None
    roles: list[str]
    active: bool
    created_at: datetime
    created_by: str


class ClientApplicationWithSecret(ClientApplicationOut):
    client_secret: str = Field(description="Shown once; only its hash is kept")
