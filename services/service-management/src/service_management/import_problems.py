"""What an import (items or a list's entries) found wrong, worded for the administrator who filled
the template: each problem names the row as the spreadsheet numbers it (the header is row 1) and the
column by its Chinese name in the template (import_templates.py), and says in Chinese what is wrong.
`error_code` is the stable, machine-readable name of the problem (pydantic's error type, or ours);
`field` the path in the schema. pydantic's English never reaches the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from gov_common.errors import DomainError
from gov_common.validation_text import validation_message

# pydantic's errors of a cell left empty: the column is required, whatever the constraint it failed.
_EMPTY_ERRORS = frozenset(
    {
        "missing",
        "string_too_short",
        "string_pattern_mismatch",
        "int_parsing",
        "float_parsing",
        "decimal_parsing",
        "literal_error",
        "too_short",
    }
)


class ImportProblem(BaseModel):
    """One thing wrong with one row (or with the header row) of an imported file."""

    row: int = Field(description="the row as the spreadsheet numbers it; 1 is the header row")
    code: str | None = Field(default=None, description="the code the row gives (the item's or the entry's)")
    field: str = Field(description="the schema's path of the value, e.g. `materials.1.form`; `row` for the row")
    column: str | None = Field(default=None, description="the column's Chinese name in the import template")
    error_code: str = Field(description="what is wrong, for programs: pydantic's error type or ours")
    message: str = Field(description="the problem in Chinese, naming the row and the column")


class ImportColumns:
    """The columns of one template: key → Chinese name, the schema paths read from other columns,
    and the names of the parts of a cell that holds several entries (a material's code, name...)."""

    def __init__(
        self,
        labels: Mapping[str, str],
        *,
        paths: Mapping[str, str] | None = None,
        parts: Mapping[str, tuple[str, Mapping[str, str]]] | None = None,
    ) -> None:
        self.labels = dict(labels)
        self.paths = dict(paths or {})  # schema path -> column key (`fee.amount` -> fee_amount)
        self.parts = dict(parts or {})  # column key -> (what an entry is called, its fields' names)

    def locate(self, path: str) -> tuple[str | None, str]:
        """The column a schema path is read from, and how the part of the cell is named ("" for all of it)."""
        if path in self.paths:
            return self.paths[path], ""
        head, *rest = path.split(".")
        key = self.paths.get(head, head)
        if key not in self.labels:
            return None, ""
        if not rest or not rest[0].isdigit():
            return key, ""
        entry, fields = self.parts.get(key, ("项", {}))
        where = f"第 {int(rest[0]) + 1} {entry}"
        if len(rest) > 1:
            where += f"的{fields.get(rest[1], rest[1])}"
        return key, where

    def problem(
        self, row: int, path: str, reason: str, *, error_code: str, code: str | None = None, part: str = ""
    ) -> ImportProblem:
        """A problem found on `row` in the column `path` is read from; `reason` says it in Chinese."""
        key, where = self.locate(path)
        part = part or where
        column = self.labels.get(key) if key else None
        place = f"第 {row} 行“{column}”列" if column else f"第 {row} 行"
        text = f"{part}{reason}" if part and not reason.startswith(part) else reason
        return ImportProblem(
            row=row,
            code=code,
            field=path,
            column=column,
            error_code=error_code,
            message=f"{place}：{text}",
        )

    def missing_column(self, key: str) -> ImportProblem:
        return ImportProblem(
            row=1,
            field=key,
            column=self.labels[key],
            error_code="column_missing",
            message=f"第 1 行（标题行）缺少“{self.labels[key]}”列，其列名应为 {key}，请使用导入模板",
        )

    def unknown_column(self, header: str) -> ImportProblem:
        return ImportProblem(
            row=1,
            field=header,
            error_code="column_unknown",
            message=f"第 1 行（标题行）的“{header}”不是导入模板中的列，请删除该列或按模板填写",
        )

    def invalid(
        self, row: int, exc: ValidationError, cells: Mapping[str, str], *, code: str | None = None
    ) -> list[ImportProblem]:
        """pydantic's errors of a row, in Chinese; an empty required cell is said to be required."""
        problems = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err.get("loc", ())) or "row"
            key, where = self.locate(path)
            kind = str(err.get("type", "invalid"))
            if key is not None and not where and not cells.get(key, "").strip() and kind in _EMPTY_ERRORS:
                problems.append(self.problem(row, path, "必填，不能为空", error_code="required", code=code))
                continue
            ctx: dict[str, Any] | None = err.get("ctx")
            reason = validation_message(kind, path, ctx, label=where)
            if not where:
                reason = reason.removeprefix("的")  # "{field}的格式不正确" with the field named before it
            problems.append(self.problem(row, path, reason, error_code=kind, code=code, part=where))
        return problems

    def refused(self, row: int, exc: DomainError, *, code: str | None = None) -> ImportProblem:
        """A check of the service (the department exists, the limits agree...) that refused the row."""
        reason = "部门管理员只能导入本部门的事项" if exc.status == 403 else exc.detail
        return self.problem(row, exc.field or "row", reason, error_code=exc.code, code=code)
