from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service_management.cases.schemas import MaterialRefIn
from service_management.catalogue.schemas import Material


class BundleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    description: str
    item_codes: list[str]
    themes: list[str]


class BundleDetail(BundleOut):
    materials: list[Material] = Field(description="every material of the member items, each asked for once")


class BundleApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    forms: dict[str, dict[str, Any]] = Field(description="item code -> that item's form")
    materials: list[MaterialRefIn] = Field(default_factory=list, max_length=100, description="shared by the items")


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
