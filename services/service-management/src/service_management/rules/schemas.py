from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gov_common.decisions import MAX_FACTS_CHARS
from gov_common.limits import json_within
from gov_common.params import MAX_ROW_ID


class TableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    graph: dict[str, Any] = Field(description="a GoRules JDM decision graph whose output has eligible and reason")
    comment: str = Field(default="", max_length=2000)


class TableOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_code: str
    version: int
    graph: dict[str, Any]
    comment: str
    created_by: str
    created_at: datetime


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: Annotated[dict[str, Any], AfterValidator(json_within(MAX_FACTS_CHARS))] = Field(
        description="{applicant: {type, age, credit}, form: {...}}"
    )
    version: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)


class EvaluationOut(BaseModel):
    version: int
    eligible: bool
    reason: str
    output: dict[str, Any]
    trace: dict[str, Any]


class VariableOption(BaseModel):
    value: str = Field(description="the value the engine compares (person, online, ...)")
    label: str = Field(description="what a person reads for it")


class VariableOut(BaseModel):
    """A variable a condition may test, named for people; `path` is what the engine reads."""

    path: str = Field(description="the fact's path as the engine reads it: applicant.age, form.capital, channel")
    label: str
    type: Literal["number", "integer", "text", "date", "boolean", "enum"]
    group: Literal["applicant", "credit", "form", "case"] = Field(
        description="applicant: the applicant's attributes; credit: their credit status; form: the application "
        "form's fields; case: the case's own data (process conditions only)"
    )
    options: list[VariableOption] = Field(description="the allowed values of an enum, with their labels")
