from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service_management.evaluation.reasons import BadRatingReason


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    tags: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list, max_length=10)
    reasons: list[BadRatingReason] = Field(
        default_factory=list,
        max_length=11,
        description="a bad rating's reasons (GET /evaluation-reasons): at least one with a rating of 2 or 1, "
        "none with a better one",
    )
    comment: str = Field(default="", max_length=2000)


class EvaluationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_code: str
    department_code: str
    rating: int
    level: str = ""
    tags: list[str]
    reasons: list[str]
    comment: str
    created_at: dt.datetime
    rectification_id: int | None = None


class RectificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_no: str
    department_code: str
    deadline: dt.date
    status: str
    response: str | None
    completed_by: str | None
    completed_at: dt.datetime | None
    created_at: dt.datetime
    rating: int = 0
    reasons: list[str] = Field(default_factory=list, description="the bad rating's reasons")
    comment: str = ""


class ReasonOut(BaseModel):
    """One reason of the national 好差评 list an applicant picks for a bad rating."""

    code: str
    label: str


class RectificationDone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response: str = Field(min_length=1, max_length=4000)


class Satisfaction(BaseModel):
    item_code: str
    evaluations: int
    average: float | None
    satisfied_share: float | None = Field(description="share of ratings 4 or 5")
    distribution: dict[str, int]
