"""Reading the tables departments compile: CSV (UTF-8, with or without BOM) and Excel .xlsx; and
writing exports that a spreadsheet program opens without running what an import put in them."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from gov_common.errors import InvalidField

MAX_ROWS = 5000
# What makes a spreadsheet program take a cell for a formula (OWASP "CSV injection"): an imported
# `=HYPERLINK(...)`, `=cmd|...` or `@SUM(...)` is kept as the text it is, and escaped on the way out.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def read_rows(data: bytes, filename: str, *, field: str = "file") -> list[dict[str, str]]:
    """The rows as {header: text}; the first row holds the headers. Empty rows are skipped."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        table = _xlsx(data, field)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidField(field, "a CSV file must be UTF-8 encoded") from None
        try:
            table = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:  # e.g. a field beyond the csv module's limit (128 KiB)
            raise InvalidField(field, f"not a readable CSV file: {exc}") from None
    if not table:
        raise InvalidField(field, "the file has no header row")
    headers = [h.strip() for h in table[0]]
    rows = []
    for raw in table[1:]:
        if not any(str(c).strip() for c in raw):
            continue
        rows.append({h: str(raw[i]).strip() if i < len(raw) else "" for i, h in enumerate(headers) if h})
    if len(rows) > MAX_ROWS:
        raise InvalidField(field, f"at most {MAX_ROWS} rows per import")
    return rows


def _xlsx(data: bytes, field: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidField(field, f"not a readable .xlsx workbook: {exc}") from None
    sheet = workbook.worksheets[0]
    table: list[list[str]] = []
    for row in sheet.iter_rows(values_only=True):
        table.append([_cell(v) for v in row])
        if len(table) > MAX_ROWS + 1:
            break
    workbook.close()
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def split_list(text: str) -> list[str]:
    """`a;b；c` → [a, b, c]: departments separate list cells with ASCII or full-width semicolons."""
    return [p.strip() for p in text.replace("；", ";").split(";") if p.strip()]


def csv_cell(value: Any) -> Any:
    """A cell of a CSV export: text that a spreadsheet would take for a formula gets a leading
    apostrophe, which shows it as the text it is; numbers and other text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def without_formulas(workbook: Any) -> None:
    """Every cell of an exported workbook is a value, never a formula: openpyxl takes any text
    beginning with `=` for one, so such cells are set back to text (shown as typed, never run)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
