from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gov_common.limits import KIB, json_within


class DefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bpmn_xml: str = Field(min_length=1, max_length=512 * 1024, description="BPMN 2.0 XML, as a modeller saves it")
    time_limits: dict[Annotated[str, Field(max_length=255)], Annotated[int, Field(ge=0, le=3650)]] = Field(
        default_factory=dict, max_length=500, description="userTask id -> working days"
    )


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

    # Kept in the case's workflow state for as long as the case lives.
    data: Annotated[dict[str, Any], AfterValidator(json_within(16 * KIB))] = Field(
        default_factory=dict, description="variables the process may test afterwards (at most 16 KiB as JSON)"
    )
    opinion: str | None = Field(default=None, max_length=2000)
