from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# GB/T 39734-2020: the five levels of 好差评, as a case's rating is shown with it.
LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class MaterialRefIn(BaseModel):
    """A material of a case as an applicant or clerk names it: an upload, a licence or paper seen at the window."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    file_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    license_no: str | None = Field(default=None, min_length=1, max_length=64)
    paper_received: bool = Field(
        default=False,
        description="a window clerk confirms having seen the original / received the copy (paper materials only)",
    )


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(min_length=1, max_length=64)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialRefIn] = Field(default_factory=list, max_length=50)


class CaseCreated(BaseModel):
    case_no: str
    status: str


class TimelineEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    at: datetime
    actor: str
    note: str | None = None


class ProgressEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    step: str
    by: str
    opinion: str | None
    at: datetime


class CaseMaterialOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    file_id: str | None
    content_type: str | None
    license_no: str | None
    paper_received: bool = Field(description="a window clerk saw the original / received the copy (provided_by)")
    provided_by: str
    provided_at: datetime


class DecisionOut(BaseModel):
    """A stored explanation of an automated decision: replayable from the rule version and inputs."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    rule_version: int | None
    inputs: dict[str, Any]
    output: dict[str, Any]
    instant: bool
    explanation: str
    at: datetime


class ClockOut(BaseModel):
    state: str
    limit_days: int
    started_at: datetime | None
    due_at: datetime | None
    paused_at: datetime | None
    remaining_working_days: int | None


class StateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    state: str
    name: str
    entered_at: datetime
    due_at: datetime | None
    left_at: datetime | None
    escalated_at: datetime | None


class MaterialAsked(BaseModel):
    code: str
    name: str


class SupplementRequestOut(BaseModel):
    """A supplement request (补正): open while `supplied_at` is null."""

    materials: list[MaterialAsked]
    reason: str
    requested_by: str
    requested_at: datetime
    due_date: date | None = Field(
        description="the last day (Beijing date) to supply the materials; null for requests made before it was kept"
    )
    supplied_by: str | None
    supplied_at: datetime | None


class CaseEvaluationOut(BaseModel):
    """The applicant's rating of the case (好差评)."""

    rating: int
    level: str
    tags: list[str]
    reasons: list[str] = Field(description="a bad rating's reasons (codes of the national 好差评 reason list)")
    comment: str
    at: datetime


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
    applicant_type: str = Field(description="person (resident ID number) or entity (unified social credit code)")
    acting_id_number: str | None = Field(default=None, description="An entity's case: who acted for it")
    acting_name: str | None = None
    form: dict[str, Any]
    timeline: list[TimelineEntry]
    progress: list[ProgressEntry]
    materials: list[CaseMaterialOut]
    missing_materials: list[str]
    decisions: list[DecisionOut]
    clock: ClockOut
    states: list[StateOut]
    bundle_no: str | None
    reason: str | None
    license_no: str | None
    opinion: str | None
    created_at: datetime
    concluded_at: datetime | None
    rated: bool = Field(description="the applicant has rated the case (at most once)")
    evaluation: CaseEvaluationOut | None
    supplement: SupplementRequestOut | None = Field(description="the open supplement request, if any")
    supplements: list[SupplementRequestOut] = Field(description="every supplement request, oldest first")


class CaseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_no: str
    item_code: str
    status: str
    license_no: str | None
    created_at: datetime
