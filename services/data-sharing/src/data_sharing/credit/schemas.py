from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gov_common.params import Day


class CreditRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str = Field(max_length=18, description="Resident ID number or unified social credit code")
    list: Literal["red", "black"]
    reason: str = Field(min_length=2, max_length=1000)
    valid_from: Day
    valid_until: Day | None = None
    source_department: str | None = Field(default=None, max_length=32, description="Admin only; staff: their own")


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=1000)


class CreditRecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    subject_type: str
    list: str
    reason: str
    source_department: str
    valid_from: date
    valid_until: date | None
    created_at: datetime
    created_by: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdraw_reason: str | None


class StatusRecord(BaseModel):
    list: str
    reason: str
    source_department: str
    valid_from: date
    valid_until: date | None


class CreditStatus(BaseModel):
    subject: str
    black_listed: bool
    red_listed: bool
    records: list[StatusRecord]
