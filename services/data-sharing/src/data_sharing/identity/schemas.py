from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PersonVerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(min_length=18, max_length=18, description="Resident ID number")
    name: str = Field(min_length=1, max_length=100)
    purpose: str | None = Field(default=None, max_length=200, description="Recorded in the audit log")


class EntityVerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str = Field(min_length=18, max_length=18, description="Unified social credit code")
    representative_id_number: str = Field(min_length=18, max_length=18)
    representative_name: str = Field(min_length=1, max_length=100)
    purpose: str | None = Field(default=None, max_length=200)


class VerificationOut(BaseModel):
    # match: the registry agrees; mismatch: it holds another name (never said which); unknown: not in it.
    result: Literal["match", "mismatch", "unknown"]
    # Person, on a match: the phone the registry holds, where the one-time code for L2 goes.
    phone: str | None = None
    # Entity, on a match: how the representative was matched, and the entity's registered name.
    matched_by: Literal["id_number", "name"] | None = None
    entity_name: str | None = None
