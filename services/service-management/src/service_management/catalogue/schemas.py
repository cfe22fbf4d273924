from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class FormField(BaseModel):
    name: str
    label: str
    type: Literal["string", "text", "number", "integer", "date", "boolean"]
    required: bool = True


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    division_code: str


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


class ItemDetail(ItemSummary):
    statutory_days: int
    legal_basis: str
    description: str
    form_fields: list[FormField]
    license_type: str | None
    license_name: str | None
    rule_version: int | None
