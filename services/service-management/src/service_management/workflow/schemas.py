from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bpmn_xml: str = Field(min_length=1, max_length=512 * 1024, description="BPMN 2.0 XML, as a modeller saves it")
    time_limits: dict[str, int] = Field(default_factory=dict, description="userTask id -> working days")


class DefinitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_code: str
    version: int
    process_id: str
    time_limits: dict[str, int]
    created_by: str
    created_at: datetime
    bpmn_xml: str


class TaskCompletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(default_factory=dict, description="variables the process may test afterwards")
    opinion: str | None = Field(default=None, max_length=2000)
