"""Reading the tables departments compile: CSV (UTF-8, with or without BOM) and Excel .xlsx; and
writing exports that a spreadsheet program opens without running what an import put in them.

What a table may hold is bounded before and while it is read, so that a small file cannot make the
service inflate or build something huge: at most MAX_ROWS rows of data and MAX_COLUMNS columns, a
CSV row at most MAX_ROW_CHARS characters; an .xlsx (a zip of XML parts) is judged on its zip
directory first (parts, inflated sizes, compression ratio; Python's zipfile never inflates a part
beyond its declared size), then its XML is counted as it streams (elements, rows, cells per row)
before openpyxl reads the first sheet in read-only mode.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from typing import IO, Any
from xml.parsers import expat

from gov_common.errors import InvalidField
from gov_common.limits import KIB, MIB, BoundedLines, RowTooLarge

# What makes a spreadsheet program take a cell for a formula (OWASP "CSV injection"): an imported
# `=HYPERLINK(...)`, `=cmd|...` or `@SUM(...)` is kept as the text it is, and escaped on the way out.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_ROW_CHARS = 64 * KIB
# An .xlsx of 5000 rows of 40 columns inflates to some 20 MiB of XML and compresses 10–30 times.
XLSX_MAX_PARTS = 500
XLSX_MAX_INFLATED_BYTES = 50 * MIB
XLSX_MAX_RATIO = 200  # for parts inflating beyond 1 MiB: a "zip bomb" compresses 1000 times and more
XLSX_MAX_ELEMENTS = 4_000_000  # every part's XML together (cells, shared strings, styles)
XLSX_MAX_SHEET_ROWS = 20 * MAX_ROWS  # rows present in a sheet's XML, blank ones included
XLSX_MAX_CELLS = MAX_ROWS * MAX_COLUMNS
XLSX_MAX_CELLS_PER_ROW = 1000  # formatted empty cells count too


def read_rows(
    data: bytes, filename: str, *, field: str = "file", labels: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """The rows as {header: text}; the first row holds the headers. Empty rows are skipped. With `labels`
    ({key: Chinese name}), a header written as a column's Chinese name (the import templates' header row)
    reads as its key; a header written as the key reads as it is (files made before the templates said
    the names)."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        table = _xlsx(data, field)
    else:
        table = _csv(data, field)
    if not table:
        raise InvalidField(field, "文件没有标题行")
    keys = {label: key for key, label in (labels or {}).items()}
    headers = [keys.get(h.strip(), h.strip()) for h in table[0]]
    rows = []
    for raw in table[1:]:
        rows.append({h: str(raw[i]).strip() if i < len(raw) else "" for i, h in enumerate(headers) if h})
    return rows


def _too_many_rows(field: str) -> InvalidField:
    return InvalidField(field, f"每次至多导入 {MAX_ROWS} 行", code="too_many_rows", max_rows=MAX_ROWS)


def _too_many_columns(field: str) -> InvalidField:
    return InvalidField(field, f"每次至多导入 {MAX_COLUMNS} 列", code="too_many_columns", max_columns=MAX_COLUMNS)


def _csv(data: bytes, field: str) -> list[list[str]]:
    """The header and the non-empty rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidField(field, "CSV 文件应为 UTF-8 编码") from None
    lines = BoundedLines(text, max_row_chars=MAX_ROW_CHARS)
    table: list[list[str]] = []
    try:
        for row in csv.reader(lines):
            lines.row_done()
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns(field)
            if table and not any(c.strip() for c in row):
                continue
            table.append(row)
            if len(table) > MAX_ROWS + 1:
                raise _too_many_rows(field)
    except RowTooLarge:
        raise InvalidField(
            field, f"有一行超过 {MAX_ROW_CHARS} 个字符", code="row_too_long", max_chars=MAX_ROW_CHARS
        ) from None
    except csv.Error:
        raise InvalidField(field, "无法读取该 CSV 文件，请检查文件格式") from None
    return table


def _xlsx(data: bytes, field: str) -> list[list[str]]:
    """The header and the non-empty rows of the first sheet."""
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_parts(archive, field)
        _count_xml(archive, field)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, expat.ExpatError):
        raise InvalidField(field, "无法读取该 .xlsx 工作簿，请检查文件格式") from None
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        table: list[list[str]] = []
        scanned = 0
        # max_col: openpyxl pads every row to the sheet's declared width, which the file states.
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            scanned += 1
            if scanned > XLSX_MAX_SHEET_ROWS:
                raise InvalidField(
                    field,
                    f"第一个工作表超过 {XLSX_MAX_SHEET_ROWS} 行；每次至多导入 {MAX_ROWS} 行",
                    code="too_many_rows",
                    max_rows=MAX_ROWS,
                )
            if table and all(v is None for v in row):
                continue  # blank rows (and the gaps openpyxl fills) cost no more than this
            cells = [_cell(v) for v in row]
            if len(cells) > MAX_COLUMNS and cells[MAX_COLUMNS].strip():
                raise _too_many_columns(field)
            cells = cells[:MAX_COLUMNS]
            if table and not any(c.strip() for c in cells):
                continue
            table.append(cells)
            if len(table) > MAX_ROWS + 1:
                raise _too_many_rows(field)
        return table
    finally:
        workbook.close()


def _check_parts(archive: zipfile.ZipFile, field: str) -> None:
    """The zip's directory: how many parts, and what they say they inflate to."""
    parts = archive.infolist()
    if len(parts) > XLSX_MAX_PARTS:
        raise InvalidField(field, f"工作簿的组成部分超过 {XLSX_MAX_PARTS} 个", code="workbook_too_large")
    inflated = 0
    for part in parts:
        inflated += part.file_size
        if part.file_size > MIB and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1):
            raise InvalidField(
                field,
                f"工作簿的组成部分 {part.filename[:100]} 解压后膨胀超过 {XLSX_MAX_RATIO} 倍",
                code="workbook_too_large",
            )
    if inflated > XLSX_MAX_INFLATED_BYTES:
        raise InvalidField(
            field,
            f"工作簿解压后超过 {XLSX_MAX_INFLATED_BYTES // MIB} MiB",
            code="workbook_too_large",
            max_bytes=XLSX_MAX_INFLATED_BYTES,
        )


def _count_xml(archive: zipfile.ZipFile, field: str) -> None:
    """Streams every XML part once through expat, counting what openpyxl would build from it."""
    counts = {"elements": 0, "cells": 0}
    for part in archive.infolist():
        if part.filename.endswith((".xml", ".rels")):
            with archive.open(part) as stream:
                _count_part(stream, counts, field)


def _count_part(stream: IO[bytes], counts: dict[str, int], field: str) -> None:
    parser = expat.ParserCreate(namespace_separator="}")
    rows = row_cells = 0

    def start(name: str, _attributes: Any) -> None:
        nonlocal rows, row_cells
        counts["elements"] += 1
        if counts["elements"] > XLSX_MAX_ELEMENTS:
            raise InvalidField(field, "工作簿内容过多，无法读取", code="workbook_too_large")
        local = name.rsplit("}", 1)[-1]
        if local == "row":
            rows, row_cells = rows + 1, 0
            if rows > XLSX_MAX_SHEET_ROWS:
                raise _too_many_rows(field)
        elif local == "c":
            counts["cells"] += 1
            row_cells += 1
            if row_cells > XLSX_MAX_CELLS_PER_ROW:
                raise InvalidField(
                    field, f"第 {rows} 行超过 {XLSX_MAX_CELLS_PER_ROW} 个单元格", code="too_many_columns"
                )
            if counts["cells"] > XLSX_MAX_CELLS:
                raise InvalidField(field, f"工作簿超过 {XLSX_MAX_CELLS} 个单元格", code="workbook_too_large")

    def doctype(*_: Any) -> None:
        # An OOXML part never declares one; entities are what XML bombs are made of.
        raise InvalidField(field, "工作簿的 XML 中含有 DOCTYPE 声明，不予读取", code="workbook_invalid")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    while chunk := stream.read(64 * KIB):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


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
