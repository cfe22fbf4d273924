from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["recommendation", "also_needed", "expiry_reminder", "proactive"]


class ItemRef(BaseModel):
    code: str
    name: str


class RecommendationOut(BaseModel):
    theme: str = Field(description="the life-event theme (主题) recommended")
    reason: str = Field(description="one line saying why, from the applicant's own facts")
    items: list[ItemRef] = Field(description="the theme's items the applicant has not applied for yet")
    bundles: list[ItemRef] = Field(description="the theme's bundles (一件事一次办)")


class AlsoNeededItemOut(BaseModel):
    code: str
    name: str
    reason: str = Field(description="one line: the share of applicants of a filed item who went on to file this")
    based_on: ItemRef = Field(description="the item the applicant filed that the reason speaks of")
    applicants: int = Field(description="distinct applicants who filed this after that item (at least 5)")
    share: float


class AlsoNeededOut(BaseModel):
    opted_out: bool = Field(description="the applicant turned 您可能还需要 off; the list is then empty")
    available: bool = Field(
        description="false when data-sharing's warehouse could not be asked now (the list is then empty)"
    )
    items: list[AlsoNeededItemOut]


class RecommendationsOut(BaseModel):
    opted_out: bool = Field(description="the applicant turned recommendations off; the list is then empty")
    recommendations: list[RecommendationOut]
    also_needed: AlsoNeededOut = Field(
        description="您可能还需要: items applicants who filed the same items went on to file (the warehouse)"
    )


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
    also_needed: bool = Field(description="您可能还需要 (what applicants of the same items filed next) is shown")
    expiry_reminder: bool = Field(description="reminders before a held licence expires are sent")
    proactive: bool = Field(description="proactive services (免申即享) are offered")


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation: bool | None = None
    also_needed: bool | None = None
    expiry_reminder: bool | None = None
    proactive: bool | None = None
