from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service_management.cases.schemas import MaterialRefIn
from service_management.catalogue.schemas import FormField, Material

BUNDLE_CODE = r"^[0-9A-Z][0-9A-Z-]{2,63}$"


class BundleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    description: str
    item_codes: list[str]
    themes: list[str]


class BundleItem(BaseModel):
    """A member item, with the department that handles it."""

    code: str
    name: str
    department_code: str
    department_name: str


class BundleField(FormField):
    """A field of the combined form (一表申请): asked once, given to every member item that asks for it."""

    items: list[str] = Field(description="the member items that ask for it")


class BundleDetail(BundleOut):
    items: list[BundleItem] = Field(description="the member items in order, each with its department")
    fields: list[BundleField] = Field(description="the combined form: every field of the member items, each once")
    materials: list[Material] = Field(description="every material of the member items, each asked for once")


class BundleApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: dict[str, Any] = Field(
        default_factory=dict,
        description="the combined form (一表申请): each field once (GET /bundles/{code} `fields`), given to every "
        "member item that asks for it; errors name `form.<field>`",
    )
    forms: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="item code -> answers for that item only, over the combined form's; errors name "
        "`forms.<item>.<field>`",
    )
    materials: list[MaterialRefIn] = Field(default_factory=list, max_length=100, description="shared by the items")


class BundleIn(BaseModel):
    """A bundle as an administrator composes it from published items of one or more departments."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    item_codes: list[str] = Field(min_length=2, max_length=10, description="published items, in the order shown")
    themes: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list, max_length=10)


class BundleCreate(BundleIn):
    code: str = Field(pattern=BUNDLE_CODE, description="e.g. 330122-YJS-0003")


class BundleDefinitionOut(BundleDetail):
    """A bundle as its administrators see it: with its status (draft, published, retired)."""

    status: Literal["draft", "published", "retired"]


class BranchOut(BaseModel):
    case_no: str
    item_code: str
    department_code: str
    status: str


class BundleApplicationOut(BaseModel):
    bundle_no: str
    bundle_code: str
    status: str
    created_at: datetime
    concluded_at: datetime | None
    branches: list[BranchOut]


OverallStatus = Literal["in_progress", "concluded", "some_denied"]


class BundleApplicationSummary(BaseModel):
    """One line of the applicant's list of bundle applications."""

    bundle_no: str
    bundle_code: str
    bundle_name: str
    filed_at: datetime
    concluded_at: datetime | None
    overall_status: OverallStatus = Field(
        description="some_denied: a branch was denied or rejected; concluded: every branch concluded; "
        "otherwise in_progress"
    )
    branch_count: int
    ended_count: int = Field(description="branches that have ended (concluded, denied or rejected)")
