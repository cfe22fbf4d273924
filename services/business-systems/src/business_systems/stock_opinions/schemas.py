from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from business_systems.review.opinions import OpinionAction

MAX_OPINIONS = 20
MAX_OPINION_LENGTH = 500


class StockOpinionsIn(BaseModel):
    """An action's whole list in its new order: adding, editing, reordering and deleting are each a new list."""

    model_config = ConfigDict(extra="forbid")

    opinions: list[str] = Field(
        max_length=MAX_OPINIONS,
        description=f"the phrases in the order reviewers see them, 1 to {MAX_OPINION_LENGTH} characters, none twice",
    )
    version: int | None = Field(
        default=None, ge=0, description="the list's version as read (0: the setting's); another one answers 409"
    )


class StockOpinionsOut(BaseModel):
    department_code: str
    templates: dict[OpinionAction, list[str]] = Field(description="the phrases by action, in order")
    customised: bool = Field(description="false while the department uses the deployment's setting or the defaults")
    version: int = Field(description="0 while not customised; raised by every change")
    updated_by: str | None = None
    updated_at: datetime | None = None
