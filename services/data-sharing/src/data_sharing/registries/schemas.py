from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class RowErrorOut(BaseModel):
    row: int
    line: int
    field: str | None
    message: str


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    resource: str
    mode: str
    status: str
    total_rows: int
    accepted_rows: int
    rejected_rows: int
    errors: list[RowErrorOut]
    imported_by: str
    imported_at: datetime
    quality_report_id: int | None


class DivisionNode(BaseModel):
    """One division of the tree (GB/T 2260) with the divisions directly under it."""

    code: str
    name: str
    level: str
    children: list[DivisionNode]


class DivisionTree(BaseModel):
    """The divisions at and below `root` (all provinces when no root was asked)."""

    root: str | None
    divisions: list[DivisionNode]
