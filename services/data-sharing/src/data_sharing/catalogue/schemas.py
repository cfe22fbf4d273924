from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SharingType = Literal["unconditional", "conditional", "not_shared"]
Frequency = Literal["realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: str = Field(min_length=1, max_length=100)


class ResourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    owner_department: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    fields: list[FieldIn] = Field(min_length=1, max_length=200)
    sharing_type: SharingType
    update_frequency: Frequency
    personal: bool = False


class ResourcePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    sharing_type: SharingType | None = None
    update_frequency: Frequency | None = None


class ResourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    description: str
    owner_department: str
    fields: list[FieldIn]
    sharing_type: str
    update_frequency: str
    personal: bool
    builtin: bool
    created_at: datetime
    updated_at: datetime


class AccessRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    resource: str = Field(max_length=64)
    fields: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=4, max_length=500)
    valid_days: int = Field(default=365, ge=1)
    client_id: str | None = Field(default=None, max_length=64, description="Only the admin names another client")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["approve", "refuse"]
    reason: str = Field(default="", max_length=500)
    fields: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=200, description="Narrow the fields granted"
    )
    valid_days: int | None = Field(default=None, ge=1, description="Shorten the period granted")


class AccessRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    resource_code: str
    client_id: str
    client_name: str
    fields: list[str]
    purpose: str
    valid_days: int
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    grant_id: int | None


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=500)


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    resource_code: str
    client_id: str
    # Who holds the grant, as a person reads it: the client application's name, or the role's.
    client_name: str
    fields: list[str]
    purpose: str
    valid_from: datetime
    valid_until: datetime
    granted_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    status: str  # active, expired, revoked
