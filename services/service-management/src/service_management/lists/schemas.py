from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gov_common.params import Day
from service_management.import_problems import ImportProblem

# 权力清单, 责任清单, 收费清单, 中介服务清单, 负面清单
ListType = Literal["power", "responsibility", "fee", "intermediary", "negative"]
LIST_NAMES = {
    "power": "权力清单",
    "responsibility": "责任清单",
    "fee": "收费清单",
    "intermediary": "中介服务清单",
    "negative": "负面清单",
}


class ListEntry(BaseModel):
    """One line of a list: what (name, category), on what basis, and its content (duties, the fee,
    the intermediary service, the restriction); `amount` for fees."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(default="", max_length=100)
    basis: str = Field(min_length=1, max_length=2000)
    content: str = Field(default="", max_length=4000)
    amount: str | None = Field(default=None, max_length=100)


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_code: str = Field(min_length=1, max_length=32)
    entries: list[ListEntry] = Field(max_length=2000)
    note: str = Field(default="", max_length=2000)


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_date: Day


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    list_type: str
    department_code: str
    version: int
    status: str
    effective_date: dt.date | None
    note: str
    created_by: str
    created_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None
    entries: list[ListEntry]


class EntryChange(BaseModel):
    code: str
    fields: list[str]
    before: ListEntry
    after: ListEntry


class DiffOut(BaseModel):
    from_version: int
    to_version: int
    added: list[ListEntry]
    removed: list[ListEntry]
    changed: list[EntryChange]


class ListImportReport(BaseModel):
    dry_run: bool
    applied: bool
    rows: int
    rejected: list[ImportProblem]
    version_id: int | None
