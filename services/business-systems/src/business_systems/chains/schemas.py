from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

StepName = Literal["handle", "review", "approve"]
StepRole = Literal["handler", "reviewer", "approver"]


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StepName = Field(description="handle (承办), review (审核) or approve (批准)")
    role: StepRole = Field(description="the staff role that performs the step")


class ChainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[StepIn] = Field(min_length=1, max_length=3, description="1 to 3 steps; the last one decides")


class StepOut(BaseModel):
    no: int
    name: str
    label: str
    role: str


class ChainOut(BaseModel):
    item_code: str
    department_code: str
    steps: list[StepOut]
    configured: bool = Field(description="false: no chain is configured, the default chain applies")
    version: int
    updated_by: str | None = None
    updated_at: datetime | None = None
