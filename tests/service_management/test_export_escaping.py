"""Exports a spreadsheet program opens (CSV, .xlsx) never run what an import or an administrator put
in a cell (OWASP "CSV injection"): text beginning with =, +, -, @, a tab or a carriage return is
escaped in CSV, and no cell of a workbook is a formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from service_management.import_templates import item_template, render
from service_management.supervision.service import Figures, performance_csv
from service_management.tabular import csv_cell

HOSTILE = [
    '=HYPERLINK("http://evil.example","点此")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
]


def test_csv_cells_that_would_be_formulas_are_escaped_and_others_kept() -> None:
    for text in [*HOSTILE, "\t=1+1", "\r=1+1"]:
        assert csv_cell(text) == "'" + text
    for kept in ["330122-AMR-XK-0001", "市场监管局", "a=b", "", 3, -1.5, None]:
        assert csv_cell(kept) == kept


def test_the_performance_export_escapes_its_keys_and_keeps_its_numbers() -> None:
    rows = [Figures(key=key, volume=3, on_time_rate=0.5) for key in HOSTILE]
    table = list(csv.DictReader(io.StringIO(performance_csv(rows, by="item"))))
    assert [row["item"] for row in table] == ["'" + key for key in HOSTILE]
    assert {row["volume"] for row in table} == {"3"} and {row["on_time_rate"] for row in table} == {"0.5"}


def test_no_cell_of_an_import_template_is_a_formula_whatever_the_departments_are_called() -> None:
    # Department codes and names come from the database; a comma moves the codes onto a sheet.
    departments = {"=cmd|' /C calc'!A0": '=HYPERLINK("http://evil.example")', "a,b": "某局"}
    workbook = load_workbook(io.BytesIO(render(item_template(departments))))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert "=cmd|' /C calc'!A0" in {cell.value for cell in cells}, "the code is kept, as text"
