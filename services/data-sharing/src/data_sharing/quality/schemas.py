from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RuleOut(BaseModel):
    field: str | None
    rule: str
    description: str


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource: str = Field(max_length=64)


class QualityReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    resource: str
    trigger: str
    import_id: int | None
    created_at: datetime
    created_by: str
    records: int
    completeness: dict[str, Any]
    validity: dict[str, Any]
    duplicates: dict[str, Any]
