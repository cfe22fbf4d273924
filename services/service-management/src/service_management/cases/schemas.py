from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(min_length=1, max_length=64)
    form: dict[str, Any] = Field(default_factory=dict)


class CaseCreated(BaseModel):
    case_no: str
    status: str


class TimelineEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    at: datetime
    actor: str
    note: str | None = None


class CaseOut(BaseModel):
    case_no: str
    item_code: str
    item_version: int
    item_name: str
    department_code: str
    channel: str
    status: str
    applicant_name: str
    applicant_id_number: str
    form: dict[str, Any]
    timeline: list[TimelineEntry]
    license_no: str | None
    opinion: str | None
    created_at: datetime
    concluded_at: datetime | None


class CaseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_no: str
    item_code: str
    status: str
    license_no: str | None
    created_at: datetime
