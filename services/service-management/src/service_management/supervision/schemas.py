from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["holiday", "workday"]
    name: str = Field(default="", max_length=100)


class CalendarDayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: dt.date
    kind: str
    name: str


class WorkingDayAnswer(BaseModel):
    day: dt.date
    working_day: bool


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_no: str
    department_code: str
    item_code: str
    kind: str
    state: str
    due_at: dt.datetime | None
    raised_at: dt.datetime


class ScanOut(BaseModel):
    yellow: int
    red: int
    escalated: int


class FiguresOut(BaseModel):
    key: str
    volume: int
    finished: int
    concluded: int
    on_time: int
    on_time_rate: float | None
    average_days: float | None
    approvals: int
    instant_approvals: int
    instant_share: float | None
    evaluations: int
    satisfaction: float | None
