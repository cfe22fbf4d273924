from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["recommendation", "expiry_reminder", "proactive"]


class ItemRef(BaseModel):
    code: str
    name: str


class RecommendationOut(BaseModel):
    theme: str = Field(description="the life-event theme (主题) recommended")
    reason: str = Field(description="one line saying why, from the applicant's own facts")
    items: list[ItemRef] = Field(description="the theme's items the applicant has not applied for yet")
    bundles: list[ItemRef] = Field(description="the theme's bundles (一件事一次办)")


class RecommendationsOut(BaseModel):
    opted_out: bool = Field(description="the applicant turned recommendations off; the list is then empty")
    recommendations: list[RecommendationOut]
    # Extension point: "you may also need" items mined from the warehouse join this answer here.


class OfferOut(BaseModel):
    item_code: str
    item_name: str
    department_code: str
    reason: str = Field(description="the decision table's reason: why the applicant qualifies")
    form: dict[str, Any] = Field(description="the form the confirmation files, from the registry facts")
    rule_version: int


class OffersOut(BaseModel):
    opted_out: bool
    offers: list[OfferOut]


class ConfirmedOut(BaseModel):
    case_no: str
    status: str


class PreferencesOut(BaseModel):
    recommendation: bool = Field(description="recommendations (为您推荐) are shown")
    expiry_reminder: bool = Field(description="reminders before a held licence expires are sent")
    proactive: bool = Field(description="proactive services (免申即享) are offered")


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation: bool | None = None
    expiry_reminder: bool | None = None
    proactive: bool | None = None
