from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service_management.import_problems import ImportProblem

ItemType = Literal[
    "licensing", "benefit", "confirmation", "levy", "adjudication", "award", "other_power", "public_service"
]
# The type code inside an item code (…-XK-0001 is a licensing item).
TYPE_CODES: dict[str, str] = {
    "licensing": "XK",
    "benefit": "JF",
    "confirmation": "QR",
    "levy": "ZS",
    "adjudication": "CJ",
    "award": "JL",
    "other_power": "QT",
    "public_service": "GG",
}
OnlineDepth = Literal["window_only", "online_booking", "at_most_one_visit", "zero_visits"]
Channel = Literal["online", "window", "mobile"]
Audience = Literal["person", "entity"]
TrustLevel = Literal["A", "B", "C", "D"]
MaterialSource = Literal["applicant", "government"]
ResultDelivery = Literal["electronic", "window", "mail"]
# Telephone numbers as a guide prints them: 0571-12345678, 12345, several separated by 、 or a comma.
PHONE_PATTERN = r"^[0-9()（）+\- ,，、转]*$"
ITEM_CODE_PATTERN = r"^[0-9]{6}-[A-Z]{2,10}-[A-Z]{2}-[0-9]{4}$"


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: str = Field(min_length=1, max_length=100)
    type: Literal["string", "text", "number", "integer", "date", "boolean", "division"] = Field(
        description="division: a GB/T 2260 administrative division code, picked from the division tree"
    )
    required: bool = True
    prefill: str | None = Field(default=None, pattern=r"^[a-z_]+\.[a-z_]+$")


class Material(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    form: Literal["original", "copy", "electronic"]
    required: bool = True
    license_type: str | None = Field(default=None, max_length=64)
    accepted_trust_levels: list[TrustLevel] = Field(
        default_factory=lambda: list[TrustLevel](["A", "B"]), max_length=len(get_args(TrustLevel))
    )
    copies: int = Field(default=1, ge=0, le=20, description="份数 (0: shown, not handed in, e.g. an original)")
    source: MaterialSource = Field(
        default="applicant", description="来源: prepared by the applicant, or issued by a government body"
    )
    note: str = Field(default="", max_length=500, description="填报须知: what the material must show")


class Fee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    free: bool = True
    amount: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    basis: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _charged_needs_amount_and_basis(self) -> Fee:
        if not self.free and (self.amount is None or not self.basis):
            raise ValueError("收费事项应填写收费金额和收费依据")
        return self


class ProcessStep(BaseModel):
    """One step of the 办理流程 as the guide shows it (受理, 审查, 决定, 送达...)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    description: str = Field(default="", max_length=500)
    days: int | None = Field(default=None, ge=0, le=365, description="working days the step takes, if fixed")


class ServiceGuide(BaseModel):
    """The fields of the national service guide (办事指南) the other item fields do not hold."""

    model_config = ConfigDict(extra="forbid")

    acceptance_conditions: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=20, description="受理条件, one condition each"
    )
    process_steps: list[ProcessStep] = Field(default_factory=list, max_length=20, description="办理流程")
    location: str = Field(default="", max_length=300, description="办理地点")
    hours: str = Field(default="", max_length=300, description="办理时间")
    consultation_phone: str = Field(default="", max_length=50, pattern=PHONE_PATTERN, description="咨询电话")
    complaint_phone: str = Field(default="", max_length=50, pattern=PHONE_PATTERN, description="监督投诉电话")
    visits: int | None = Field(
        default=None, ge=0, le=5, description="到办事现场次数 (跑动次数); null: as the online depth says"
    )
    result_delivery: list[ResultDelivery] = Field(
        default_factory=lambda: list[ResultDelivery](["electronic"]),
        max_length=len(get_args(ResultDelivery)),
        description="送达方式 of the result",
    )
    booking: bool = Field(default=False, description="a visit to the window can be booked (预约办理)")


class ItemIn(BaseModel):
    """An item's standard fields, as created, edited or imported."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=ITEM_CODE_PATTERN)
    name: str = Field(min_length=2, max_length=200)
    item_type: ItemType
    department_code: str = Field(min_length=1, max_length=32)
    legal_basis: str = Field(min_length=1, max_length=2000)
    statutory_days: int = Field(ge=1, le=365)
    committed_days: int = Field(ge=0, le=365)
    fee: Fee = Field(default_factory=Fee)
    materials: list[Material] = Field(default_factory=list, max_length=50)
    online_depth: OnlineDepth = "at_most_one_visit"
    channels: list[Channel] = Field(
        default_factory=lambda: list[Channel](["online", "window"]), min_length=1, max_length=len(get_args(Channel))
    )
    audience: list[Audience] = Field(min_length=1, max_length=len(get_args(Audience)))
    themes: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list, max_length=20)
    keywords: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list, max_length=30)
    description: str = Field(default="", max_length=5000)
    form_fields: list[FormField] = Field(default_factory=list, max_length=50)
    instant_approval: bool = False
    license_type: str | None = Field(default=None, max_length=64)
    license_name: str | None = Field(default=None, max_length=100)
    guide: ServiceGuide = Field(default_factory=ServiceGuide)


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    division_code: str
    reconsideration_body: str | None = Field(
        default=None, description="the people's government that hears a reconsideration of its acts"
    )
    litigation_court: str | None = Field(default=None, description="the court that hears a suit against its acts")


class ThemeOut(BaseModel):
    """A life-event theme (主题): its name is also its key, the value of `GET /items?theme=`."""

    name: str
    item_count: int = Field(description="published service items carrying the theme")
    bundle_count: int = Field(description="published bundles (一件事) carrying the theme")


class ItemSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    version: int
    name: str
    item_type: str
    department_code: str
    instant_approval: bool
    committed_days: int
    audience: list[str]
    online_depth: str
    channels: list[str]
    themes: list[str]
    keywords: list[str]


class Retirement(BaseModel):
    """Why, when and by whom a published item was retired (`by` only for staff)."""

    reason: str
    at: datetime
    by: str | None = None


class RetireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="why the item is retired; shown to the public")

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("停用理由不能为空")
        return value.strip()


ItemListStatus = Literal["draft", "published", "retired", "all"]


class ItemListEntry(ItemSummary):
    """A row of `GET /items`; the staff listing (`status=`) adds where the item stands, the public
    one leaves these fields out."""

    status: str | None = Field(default=None, description="the latest version's status (staff listing)")
    updated_at: datetime | None = Field(default=None, description="when the latest version last changed")
    published_version: int | None = Field(default=None, description="the version in force, if any")
    draft_pending: bool | None = Field(
        default=None, description="the latest version is a draft newer than the version in force"
    )


class ItemDetail(ItemSummary):
    status: str
    statutory_days: int
    legal_basis: str
    description: str
    fee: Fee
    materials: list[Material]
    form_fields: list[FormField]
    license_type: str | None
    license_name: str | None
    guide: ServiceGuide
    rule_version: int | None
    published_at: datetime | None
    updated_at: datetime | None = None
    retirement: Retirement | None = None


class ImportReport(BaseModel):
    dry_run: bool
    applied: bool
    rows: int
    valid_rows: int
    rejected: list[ImportProblem]
    codes: list[str]
