from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "deny"]
    opinion: str = Field(min_length=1, max_length=2000)


class WorkItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_no: str
    department_code: str
    item_code: str
    item_name: str
    applicant: dict[str, Any]
    form: dict[str, Any]
    status: str
    automated: bool
    rule_version: int | None
    rule_inputs: dict[str, Any] | None
    rule_output: dict[str, Any] | None
    decided_by: str | None
    opinion: str | None
    received_at: datetime
    decided_at: datetime | None


class DecisionOut(BaseModel):
    case_no: str
    status: str
