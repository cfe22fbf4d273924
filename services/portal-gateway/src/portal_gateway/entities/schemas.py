from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EntityOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str = Field(max_length=18, description="Unified social credit code")


class ActAsIn(EntityOpenIn):
    """The entity the logged-in person acts for."""


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(max_length=18, description="The agent's resident ID number")
    name: str = Field(min_length=1, max_length=100)


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id_number: str
    person_name: str
    granted_at: datetime
    revoked_at: datetime | None


class EntityOut(BaseModel):
    uscc: str
    name: str
    # How the caller stands to it: its legal representative, or an agent they authorised.
    role: str
    representative_name: str | None = None
