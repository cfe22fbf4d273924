from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service_management.cases.schemas import MaterialRefIn


class WalkInApplicant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["person", "entity"]
    id_number: str = Field(min_length=18, max_length=18, description="resident ID number or USCC")
    name: str = Field(min_length=1, max_length=100)


class WindowCaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(min_length=1, max_length=64)
    applicant: WalkInApplicant
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialRefIn] = Field(default_factory=list, max_length=50)


class SupplementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    missing: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=50, description="codes of the materials to supplement"
    )
    note: str = Field(min_length=1, max_length=2000)


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)
    materials: list[MaterialRefIn] = Field(
        default_factory=list, max_length=50, description="materials recorded by the clerk before accepting"
    )


class Supplement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    materials: list[MaterialRefIn] = Field(min_length=1, max_length=50)


class UploadOut(BaseModel):
    file_id: str
    content_type: str
    size: int


class QueueEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_no: str
    item_code: str
    department_code: str
    channel: str
    status: str
    applicant_name: str
    created_at: datetime
    due_at: datetime | None
