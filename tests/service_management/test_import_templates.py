"""The import templates (导入模板): staff who may import download an .xlsx whose first sheet is the
header row the importer reads, with drop-downs of the schemas' values; the example rows, copied
under that header, import as they are; the gateway forwards both downloads."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from portal_gateway.app import create_app as create_gw_app
from portal_gateway.app import migrate as migrate_gw
from portal_gateway.settings import Settings as GatewaySettings
from service_management.catalogue import importer
from service_management.catalogue.schemas import Audience, Channel, ItemType, OnlineDepth
from service_management.import_templates import CHOICES_SHEET, XLSX, item_template, render
from service_management.lists.service import IMPORT_COLUMN_LABELS as LIST_LABELS
from service_management.seed import DEPARTMENTS
from service_management.tabular import MAX_ROWS
from tests.service_management.conftest import SM

ITEMS = "/api/v1/items/import-template.xlsx"
LISTS = "/api/v1/lists/import-template.xlsx"
SEEDED_DEPARTMENTS = {code for code, _ in DEPARTMENTS}  # those owning only data too


def _download(client: TestClient, path: str, headers: dict[str, str], filename: str) -> Workbook:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(filename)}" in disposition
    return load_workbook(io.BytesIO(response.content))


def _rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# A column's key by the Chinese name its template's header row gives it.
KEYS = {label: key for labels in (importer.COLUMN_LABELS, LIST_LABELS) for key, label in labels.items()}


def _validations(workbook: Workbook) -> dict[str, Any]:
    """The first sheet's data validations by the key of the column they cover."""
    sheet = workbook.worksheets[0]
    header = {cell.column_letter: cell.value for cell in sheet[1]}
    found: dict[str, Any] = {}
    for validation in sheet.data_validations.dataValidation:
        (cells,) = str(validation.sqref).split()
        first, last = cells.split(":")
        assert first[0] == last[0] and first[1:] == "2" and last[1:] == str(MAX_ROWS + 1), cells
        found[KEYS[header[first[0]]]] = validation
    return found


def _choices(workbook: Workbook, validation: Any) -> list[str]:
    """The values of a list validation: inline (`"a,b"`) or a range of the hidden choices sheet."""
    formula = validation.formula1
    if formula.startswith('"'):
        return list(formula.strip('"').split(","))
    sheet_name, cells = formula.split("!")
    sheet = workbook[sheet_name.strip("'")]
    return [c.value for (c,) in sheet[cells.replace("$", "")]]


def _with_examples(workbook: Workbook) -> bytes:
    """The template as an administrator fills it: the 示例 sheet's rows copied under the 导入 header."""
    target = workbook["导入"]
    for row in workbook["示例"].iter_rows(min_row=2, values_only=True):
        target.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- who may download


def test_staff_who_import_download_the_templates_others_do_not(sm: SM) -> None:
    for path, name in ((ITEMS, "事项导入模板.xlsx"), (LISTS, "清单导入模板.xlsx")):
        _download(sm.client, path, sm.staff("admin"), name)
        _download(sm.client, path, sm.staff("department_admin", "psb"), name)
        assert sm.client.get(path).status_code == 401
        assert sm.client.get(path, headers=sm.person()).status_code == 403
        assert sm.client.get(path, headers=sm.staff("clerk")).status_code == 403


# ---------------------------------------------------------------- the sheets


def test_the_first_sheet_is_the_header_row_the_importers_read(sm: SM) -> None:
    for path, name, labels in (
        (ITEMS, "事项导入模板.xlsx", importer.COLUMN_LABELS),
        (LISTS, "清单导入模板.xlsx", LIST_LABELS),
    ):
        columns, names = list(labels), list(labels.values())
        workbook = _download(sm.client, path, sm.staff("admin"), name)
        assert workbook.sheetnames[:3] == ["导入", "填写说明", "示例"]
        assert _rows(workbook.worksheets[0]) == [names]  # the header only, in Chinese (no raw keys on it)
        assert workbook.worksheets[0].freeze_panes == "A2"
        assert _rows(workbook["示例"])[0] == names
        guide = _rows(workbook["填写说明"])
        assert guide[0] == ["英文列名（CSV 也可用作表头）", "列名", "是否必填", "说明与可选值", "示例"]
        described = guide[1 : 1 + len(columns)]
        assert [r[0] for r in described] == columns
        assert [r[1] for r in described] == names
        assert all(r[3] for r in described)  # notes for every column
    items_guide = {
        r[0]: r for r in _rows(_download(sm.client, ITEMS, sm.staff("admin"), "事项导入模板.xlsx")["填写说明"])
    }
    assert all(items_guide[c][2] == "是" for c in importer.REQUIRED_COLUMNS)
    assert "licensing 行政许可" in items_guide["item_type"][3]
    assert "at_most_one_visit 最多跑一次" in items_guide["online_depth"][3]


def test_the_importer_reads_exactly_the_templates_columns() -> None:
    read: set[str] = set()

    class Recording(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> str:
            read.add(key)
            return super().__getitem__(key)

    row = Recording({c: "x" for c in importer.COLUMNS} | {"fee_amount": "1", "materials": "A|a|copy|required|"})
    importer.row_to_item(row)
    assert read == set(importer.COLUMNS)


# ---------------------------------------------------------------- the examples import as they are


def test_the_examples_copied_under_the_header_pass_the_item_import(any_sm: SM) -> None:
    sm = any_sm
    admin = sm.staff("admin")
    workbook = _download(sm.client, ITEMS, admin, "事项导入模板.xlsx")
    examples = _rows(workbook["示例"])[1:]
    assert len(examples) >= 1
    response = sm.client.post(
        "/api/v1/items/import",
        params={"dry_run": "true"},
        files={"file": ("事项导入模板.xlsx", _with_examples(workbook), XLSX)},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["rejected"] == []
    assert report["rows"] == report["valid_rows"] == len(examples)
    assert report["codes"] == [r[0] for r in examples]
    assert report["applied"] is False
    # The examples are new items: importing them verbatim would not overwrite a published one.
    for code in report["codes"]:
        assert sm.client.get(f"/api/v1/items/{code}/versions", headers=admin).status_code == 404


def test_the_examples_copied_under_the_header_pass_the_list_import(any_sm: SM) -> None:
    sm = any_sm
    dept = sm.staff("department_admin", "amr")
    workbook = _download(sm.client, LISTS, dept, "清单导入模板.xlsx")
    examples = _rows(workbook["示例"])[1:]
    assert len(examples) >= 1
    response = sm.client.post(
        "/api/v1/lists/power/import",
        params={"department": "amr", "dry_run": "true"},
        files={"file": ("清单导入模板.xlsx", _with_examples(workbook), XLSX)},
        headers=dept,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["rejected"] == [] and report["rows"] == len(examples)
    assert report["applied"] is False and report["version_id"] is None


# ---------------------------------------------------------------- the drop-downs


def test_the_drop_downs_hold_the_schemas_values(sm: SM) -> None:
    workbook = _download(sm.client, ITEMS, sm.staff("admin"), "事项导入模板.xlsx")
    checks = _validations(workbook)
    for column, literal in (("item_type", ItemType), ("online_depth", OnlineDepth)):
        assert checks[column].type == "list" and checks[column].errorStyle == "stop"
        assert checks[column].showErrorMessage
        assert _choices(workbook, checks[column]) == list(get_args(literal))
    assert set(_choices(workbook, checks["department_code"])) == SEEDED_DEPARTMENTS
    # Several values may be combined: the drop-down suggests combinations of the schema's values only.
    for column, literal in (("channels", Channel), ("audience", Audience)):
        assert checks[column].errorStyle == "warning"
        suggested = [v.split(";") for v in _choices(workbook, checks[column])]
        assert {v for combo in suggested for v in combo} == set(get_args(literal))
    assert (checks["statutory_days"].type, checks["statutory_days"].formula1) == ("whole", "1")
    assert (checks["committed_days"].formula1, checks["committed_days"].formula2) == ("0", "365")
    # Free text has no check: the lists' template has none at all.
    assert "name" not in checks
    lists = _download(sm.client, LISTS, sm.staff("admin"), "清单导入模板.xlsx")
    assert _validations(lists) == {}


def test_a_department_admin_is_offered_their_own_department(sm: SM) -> None:
    workbook = _download(sm.client, ITEMS, sm.staff("department_admin", "psb"), "事项导入模板.xlsx")
    assert _choices(workbook, _validations(workbook)["department_code"]) == ["psb"]


def test_a_long_department_list_moves_to_a_hidden_sheet() -> None:
    departments = {f"dept{n:03d}": f"第{n}部门" for n in range(80)}  # far beyond Excel's 255 characters inline
    workbook = load_workbook(io.BytesIO(render(item_template(departments))))
    assert workbook.sheetnames == ["导入", "填写说明", "示例", CHOICES_SHEET]
    assert workbook[CHOICES_SHEET].sheet_state == "hidden"
    checks = _validations(workbook)
    assert _choices(workbook, checks["department_code"]) == list(departments)
    assert checks["item_type"].formula1.startswith('"')  # short lists stay inline


# ---------------------------------------------------------------- through the gateway


@pytest.fixture
def gateway(sm: SM, tmp_path: Path) -> Iterator[TestClient]:
    """The real gateway whose calls to service-management reach the `sm` app in process; the
    service verifies the test's tokens itself, as it does the gateway's."""
    settings = GatewaySettings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "gw-bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_management_url="http://sm.test",
    )
    migrate_gw(settings)
    app = create_gw_app(settings)
    with TestClient(app) as client:
        app.state.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sm.client.app), timeout=10)
        yield client


def test_the_gateway_forwards_the_templates_with_their_file_names(sm: SM, gateway: TestClient) -> None:
    items = _download(gateway, ITEMS, sm.staff("admin"), "事项导入模板.xlsx")
    assert _rows(items.worksheets[0]) == [list(importer.COLUMN_LABELS.values())]
    lists = _download(gateway, LISTS, sm.staff("department_admin", "hrss"), "清单导入模板.xlsx")
    assert _rows(lists.worksheets[0]) == [list(LIST_LABELS.values())]
    assert gateway.get(ITEMS).status_code == 401
    assert gateway.get(LISTS, headers=sm.person()).status_code == 403
