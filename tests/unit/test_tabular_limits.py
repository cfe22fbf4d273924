"""The tables departments import (service_management.tabular): a small file that inflates, or that
holds a row of millions of cells, is refused before it is built, naming the file field; so is a
CSV row without end. Memory is measured: the refusal costs about the file, not what it inflates to."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from gov_common.errors import InvalidField
from service_management.tabular import MAX_COLUMNS, MAX_ROW_CHARS, MAX_ROWS, read_rows

MIB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ITEMS = workbook([["code", "name"], *[[f"C{i}", f"名称{i}"] for i in range(20)]])


def rewritten(data: bytes, edit: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, edit(info.filename, source.read(info.filename)))
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def refused(data: bytes, filename: str = "items.xlsx") -> tuple[InvalidField, int, float]:
    """The refusal, the peak of memory allocated while reading (bytes) and the time it took."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(InvalidField) as caught:
            read_rows(data, filename)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.field == "file"
    return caught.value, peak, time.monotonic() - started


def test_an_ordinary_workbook_reads() -> None:
    rows = read_rows(ITEMS, "items.xlsx")
    assert len(rows) == 20 and rows[0] == {"code": "C0", "name": "名称0"}


def test_a_workbook_that_inflates_a_thousand_times_is_refused_before_it_is_inflated() -> None:
    """The finding: about 1 MB that inflates to 1 GB (here 200 MiB in 200 KiB, to keep the test quick)."""

    def inflate(name: str, content: bytes) -> bytes:
        if name != SHEET:
            return content
        cell = b'<row r="30"><c r="A30" t="inlineStr"><is><t>' + b"A" * (200 * MIB) + b"</t></is></c></row>"
        return content.replace(b"</sheetData>", cell + b"</sheetData>")

    bomb = rewritten(ITEMS, inflate)
    assert len(bomb) < MIB
    error, peak, seconds = refused(bomb)
    assert error.code == "workbook_too_large" and "膨胀超过" in error.detail
    assert peak < 4 * MIB and seconds < 1


def test_a_workbook_inflating_beyond_the_total_is_refused() -> None:
    parts = {f"xl/media/filler{i}.xml": b"A" * MIB for i in range(51)}  # 51 MiB, each part at most 1 MiB
    error, peak, _ = refused(rewritten(ITEMS, lambda _n, c: c, parts))
    assert error.code == "workbook_too_large" and "50 MiB" in error.detail
    assert peak < 4 * MIB


def test_a_row_of_millions_of_cells_is_refused_as_it_is_counted() -> None:
    def wide(name: str, content: bytes) -> bytes:
        if name != SHEET:
            return content
        cells = b"".join(b'<c r="B%d"/>' % i for i in range(1001))  # formatted empty cells count too
        return content.replace(b"</row>", cells + b"</row>", 1)

    error, peak, _ = refused(rewritten(ITEMS, wide))
    assert error.code == "too_many_columns" and "第 1 行超过 1000 个单元格" in error.detail
    assert peak < 4 * MIB


def test_a_sheet_declared_as_wide_and_long_as_excel_allows_reads_only_what_it_holds() -> None:
    """openpyxl pads every row to the width the file declares (XFD is 16,384 columns) and fills the
    rows up to a far one: neither is taken at its word."""

    def declared(name: str, content: bytes) -> bytes:
        if name != SHEET:
            return content
        content = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', content)
        far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return content.replace(b"</sheetData>", far + b"</sheetData>")

    error, peak, _ = refused(rewritten(ITEMS, declared))
    assert error.code == "too_many_rows" and "第一个工作表超过" in error.detail
    assert peak < 16 * MIB


def test_an_xml_part_with_a_doctype_is_refused() -> None:
    def doctype(name: str, content: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return content
        return b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]>' + content.split(b"?>", 1)[-1]

    error, _, _ = refused(rewritten(ITEMS, doctype))
    assert error.code == "workbook_invalid"


def test_more_rows_or_columns_than_an_import_takes_are_refused() -> None:
    many = workbook([["code"], *[[f"C{i}"] for i in range(MAX_ROWS + 1)]])
    assert refused(many)[0].code == "too_many_rows"
    wide = workbook([[f"h{i}" for i in range(MAX_COLUMNS + 1)], ["x"] * (MAX_COLUMNS + 1)])
    assert refused(wide)[0].code == "too_many_columns"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("code,name\n" + "x" * (MAX_ROW_CHARS + 1) + "\n", "row_too_long"),
        ("code,name\n" + "," * 60_000 + "\n", "too_many_columns"),  # a line of commas is as many fields
        ('code,name\n"' + "x\n" * 40_000 + '"\n', "row_too_long"),  # a quoted field spanning lines
        ("code,name\n" + "C,n\n" * (MAX_ROWS + 1), "too_many_rows"),
    ],
)
def test_a_csv_is_bounded_by_rows_row_length_and_columns(text: str, code: str) -> None:
    error, peak, _ = refused(text.encode(), "items.csv")
    assert error.code == code
    assert peak < len(text) * 4 + 2 * MIB  # the text itself (UTF-8 and str), not a blown-up row


def test_blank_rows_are_not_counted_against_the_rows_an_import_takes() -> None:
    text = "code,name\n" + "C,n\n\n" * (MAX_ROWS - 1)
    assert len(read_rows(text.encode(), "items.csv")) == MAX_ROWS - 1
    spaced = workbook([["code"], *[[f"C{i}"] if i % 2 == 0 else [] for i in range(2 * MAX_ROWS - 2)]])
    assert len(read_rows(spaced, "items.xlsx")) == MAX_ROWS - 1
