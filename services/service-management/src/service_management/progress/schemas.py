from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

# A case number as service-management makes them (cases.service.new_case_no), with room for older forms.
CASE_NO_PATTERN = r"^[0-9A-Za-z-]{1,32}$"


class ProgressLookupIn(BaseModel):
    """A case number and the last six characters of its applicant's ID number (or credit code)."""

    model_config = ConfigDict(extra="forbid")

    case_no: str = Field(pattern=CASE_NO_PATTERN, description="办件编号")
    id_last6: str = Field(
        pattern=r"^[0-9A-Za-z]{6}$",
        description="the last six characters of the applicant's resident ID number or unified social credit code",
    )


class ProgressStep(BaseModel):
    """A status the case reached and when; no names of staff or notes (the look-up is public)."""

    status: str
    at: dt.datetime


class PublicProgress(BaseModel):
    """What the public progress look-up tells: where the case stands and how it got there."""

    case_no: str
    item_code: str
    item_name: str
    department_name: str
    applicant_name: str = Field(description="masked: the first character, then *")
    status: str
    submitted_at: dt.datetime
    concluded_at: dt.datetime | None
    due_date: dt.date | None = Field(description="the committed conclusion date (Beijing date), if the clock runs")
    clock_state: str = Field(description="running, paused (waiting for a supplement) or stopped")
    timeline: list[ProgressStep]
