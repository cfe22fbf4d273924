"""Items: standard fields, the draft → published → retired lifecycle with versions (a case keeps
the version it was filed under), and bulk import that applies nothing when a row is bad."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from service_management.catalogue import importer
from tests.service_management.conftest import BUSINESS_FORM, ITEM_INSTANT, SM


def new_item(code: str = "330122-AMR-XK-0099", **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": code,
        "name": "户外广告设置许可",
        "item_type": "licensing",
        "department_code": "amr",
        "legal_basis": "《城市市容和环境卫生管理条例》第十一条",
        "statutory_days": 20,
        "committed_days": 5,
        "fee": {"free": False, "amount": "50.00", "basis": "浙价费〔2020〕1号"},
        "materials": [
            {"code": "SQB", "name": "申请表", "form": "electronic", "required": True},
            {"code": "XGT", "name": "广告设计效果图", "form": "copy", "required": True},
        ],
        "online_depth": "at_most_one_visit",
        "channels": ["online", "window"],
        "audience": ["person", "entity"],
        "themes": ["开办餐饮店"],
        "keywords": ["招牌", "广告牌"],
        "form_fields": [{"name": "location", "label": "设置地点", "type": "string"}],
    }
    item.update(changes)
    return item


def test_full_standard_fields_are_served(sm: SM) -> None:
    detail = sm.client.get(f"/api/v1/items/{ITEM_INSTANT}").json()
    assert detail["fee"] == {"free": True, "amount": None, "basis": None}
    assert detail["online_depth"] == "zero_visits" and "mobile" in detail["channels"]
    assert "营业执照" in detail["keywords"] and "开办餐饮店" in detail["themes"]
    material = detail["materials"][0]
    assert set(material) == {
        "code", "name", "form", "required", "license_type", "accepted_trust_levels", "copies", "source", "note",
    }  # fmt: skip
    assert detail["rule_version"] == 1 and detail["status"] == "published"


def test_lifecycle_with_versions_and_cases_keep_their_version(sm: SM) -> None:
    admin = sm.staff("admin")
    code = "330122-AMR-XK-0099"
    created = sm.client.post("/api/v1/items", json=new_item(), headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft" and created.json()["version"] == 1
    assert sm.client.get(f"/api/v1/items/{code}").status_code == 404  # a draft is not public
    assert sm.client.post("/api/v1/items", json=new_item(), headers=admin).status_code == 409
    assert sm.client.post(f"/api/v1/items/{code}/publish", headers=admin).json()["status"] == "published"
    assert "户外广告设置许可" in [i["name"] for i in sm.client.get("/api/v1/items", params={"q": "广告"}).json()]

    # Editing the published item makes version 2 as a draft; version 1 stays published meanwhile.
    edited = sm.client.put(f"/api/v1/items/{code}/draft", json=new_item(name="户外招牌设置许可"), headers=admin)
    assert edited.json()["version"] == 2 and edited.json()["status"] == "draft"
    assert sm.client.get(f"/api/v1/items/{code}").json()["name"] == "户外广告设置许可"
    sm.client.post(f"/api/v1/items/{code}/publish", headers=admin)
    versions = sm.client.get(f"/api/v1/items/{code}/versions", headers=admin).json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "published")]
    assert sm.client.get(f"/api/v1/items/{code}").json()["name"] == "户外招牌设置许可"

    # A case keeps the item version it was filed under.
    case_no = sm.file(ITEM_INSTANT, BUSINESS_FORM)["case_no"]
    item = sm.client.get(f"/api/v1/items/{ITEM_INSTANT}").json()
    sm.client.put(
        f"/api/v1/items/{ITEM_INSTANT}/draft", json={**_as_input(item), "name": "个体户设立登记"}, headers=admin
    )
    sm.client.post(f"/api/v1/items/{ITEM_INSTANT}/publish", headers=admin)
    case = sm.case(case_no)
    assert case["item_version"] == 1 and case["item_name"] == "个体工商户设立登记"
    assert sm.file(ITEM_INSTANT, BUSINESS_FORM)["case_no"]
    assert sm.client.get(f"/api/v1/items/{ITEM_INSTANT}/versions/1").json()["name"] == "个体工商户设立登记"

    retired = sm.client.post(f"/api/v1/items/{code}/retire", json={"reason": "并入其他事项"}, headers=admin)
    assert retired.json()["status"] == "retired"
    assert sm.client.get(f"/api/v1/items/{code}").status_code == 410  # gone, saying why (test_catalogue_admin)


def _as_input(detail: dict[str, Any]) -> dict[str, Any]:
    keys = new_item().keys() | {"description", "instant_approval", "license_type", "license_name"}
    return {k: v for k, v in detail.items() if k in keys}


def test_bad_items_are_refused_naming_the_field(sm: SM) -> None:
    admin = sm.staff("admin")
    cases = [
        (new_item(code="330122-AMR-QR-0099"), "code"),  # a licensing item's code says XK
        (new_item(committed_days=30), "committed_days"),
        (new_item(department_code="nowhere"), "department_code"),
        (new_item(fee={"free": False}), "fee"),
        (new_item(audience=[]), "audience"),
        (new_item(materials=[{"code": "X", "name": "x", "form": "scan", "required": True}]), "materials.0.form"),
    ]
    for body, field in cases:
        response = sm.client.post("/api/v1/items", json=body, headers=admin)
        assert response.status_code == 422, (field, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    # Department admins edit their own department's items only; applicants none.
    assert (
        sm.client.post("/api/v1/items", json=new_item(), headers=sm.staff("department_admin", "psb")).status_code == 403
    )
    assert sm.client.post("/api/v1/items", json=new_item(), headers=sm.person()).status_code == 403
    assert (
        sm.client.post("/api/v1/items", json=new_item(), headers=sm.staff("department_admin", "amr")).status_code == 201
    )


COLUMNS = [
    "code",
    "name",
    "item_type",
    "department_code",
    "legal_basis",
    "statutory_days",
    "committed_days",
    "fee_amount",
    "fee_basis",
    "online_depth",
    "channels",
    "audience",
    "themes",
    "keywords",
    "description",
    "materials",
]


def _rows(bad: bool) -> list[list[str]]:
    good = [
        [
            "330122-AMR-XK-0101",
            "药品零售企业许可",
            "licensing",
            "amr",
            "《药品管理法》第五十一条",
            "30",
            "10",
            "",
            "",
            "at_most_one_visit",
            "online;window",
            "entity",
            "开办药店",
            "药店；药品",
            "",
            "SQB|申请书|electronic|required|;YYZZ|营业执照|electronic|optional|business_license",
        ],
        [
            "330122-PSB-GG-0102",
            "户口迁移",
            "public_service",
            "psb",
            "《户口登记条例》第十条",
            "20",
            "5",
            "",
            "",
            "window_only",
            "window",
            "person",
            "户籍与居住",
            "迁户口",
            "",
            "",
        ],
    ]
    if bad:
        good.append(
            [
                "330122-HRSS-JF-0103",
                "失业保险金申领",
                "benefit",
                "hrss",
                "《失业保险条例》",
                "abc",
                "5",
                "",
                "",
                "zero_visits",
                "online",
                "person",
                "",
                "",
                "",
                "",
            ]
        )
        good.append(
            [
                "330122-HRSS-JF-0104",
                "稳岗返还",
                "benefit",
                "hrss",
                "",
                "10",
                "15",
                "",
                "",
                "zero_visits",
                "online",
                "entity",
                "",
                "",
                "",
                "",
            ]
        )
    return good


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([int(c) if c.isdigit() else c for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(sm: SM, data: bytes, name: str, dry_run: bool) -> dict[str, Any]:
    response = sm.client.post(
        "/api/v1/items/import",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, data)},
        headers=sm.staff("admin"),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _exists(sm: SM, code: str) -> bool:
    return sm.client.get(f"/api/v1/items/{code}/versions", headers=sm.staff("admin")).status_code == 200


def test_import_with_one_bad_row_applies_nothing_csv_and_xlsx(sm: SM) -> None:
    for name, encode in (("items.csv", _csv), ("items.xlsx", _xlsx)):
        report = _import(sm, encode(_rows(bad=True)), name, dry_run=False)
        assert report["applied"] is False and report["valid_rows"] == 2
        rejected = {(p["row"], p["field"]) for p in report["rejected"]}
        assert (4, "statutory_days") in rejected  # "abc" is not a number
        assert (5, "legal_basis") in rejected
        assert not _exists(sm, "330122-AMR-XK-0101") and not _exists(sm, "330122-PSB-GG-0102")

    dry = _import(sm, _xlsx(_rows(bad=False)), "items.xlsx", dry_run=True)
    assert dry["applied"] is False and dry["rejected"] == [] and dry["valid_rows"] == 2
    assert not _exists(sm, "330122-AMR-XK-0101")
    applied = _import(sm, _xlsx(_rows(bad=False)), "items.xlsx", dry_run=False)
    assert applied["applied"] is True and applied["codes"] == ["330122-AMR-XK-0101", "330122-PSB-GG-0102"]
    versions = sm.client.get("/api/v1/items/330122-AMR-XK-0101/versions", headers=sm.staff("admin")).json()
    assert versions[0]["status"] == "draft" and versions[0]["keywords"] == ["药店", "药品"]
    assert versions[0]["materials"][1]["license_type"] == "business_license"


def test_import_refuses_an_unreadable_file(sm: SM) -> None:
    response = sm.client.post(
        "/api/v1/items/import", files={"file": ("x.xlsx", b"PK\x03\x04garbage")}, headers=sm.staff("admin")
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"
    report = _import(sm, b"code,name\n330122-AMR-XK-0200,x\n", "x.csv", dry_run=True)
    assert {p["field"] for p in report["rejected"]} >= {"item_type", "legal_basis"}


def _row(**cells: str) -> list[str]:
    """A valid row of the template, with some cells changed."""
    row = dict(zip(COLUMNS, _rows(bad=False)[1], strict=True)) | cells
    return [row[c] for c in COLUMNS]


# What pydantic or Python would have said: none of it may reach the administrator.
ENGLISH = ("Input should", "String should", "Value error", "required or optional", "the column is missing", "field")


def test_every_rejected_row_says_in_chinese_which_row_and_which_column_of_the_template(sm: SM) -> None:
    rows = [
        _row(code="330122-PSB-GG-0201", name=""),  # row 2: empty required cell
        _row(code="330122-PSB-GG-0202", statutory_days="abc"),  # row 3: not a whole number
        _row(code="330122-PSB-GG-0203", item_type="permit"),  # row 4: not a type
        _row(code="330122-PSB-GG-0204", fee_amount="20"),  # row 5: charged, no basis
        _row(code="330122-PSB-GG-0205", materials="A|申请书|electronic|yes|"),  # row 6: 是否必需
        _row(code="330122-PSB-GG-0206", materials="A|申请书|electronic|required|;B|照片|scan|optional|"),  # row 7
        _row(code="330122-PSB-GG-0207", department_code="nowhere"),  # row 8
        _row(code="330122-PSB-GG-0201", name="户口迁移（重复）"),  # row 9: the code of row 2 again
        _row(code="330122-PSB-GG-0209", committed_days="30"),  # row 10: beyond the statutory 20
    ]
    report = _import(sm, _csv(rows), "items.csv", dry_run=True)
    found = {p["row"]: p for p in report["rejected"]}
    expected = {
        2: ("name", "事项名称", "required", "第 2 行“事项名称”列：必填，不能为空"),
        3: ("statutory_days", "法定办结时限", "int_parsing", "第 3 行“法定办结时限”列：应为整数"),
        4: ("item_type", "事项类型", "literal_error", "第 4 行“事项类型”列：应为以下之一："),
        5: ("fee", "收费依据", "value_error", "第 5 行“收费依据”列：收费事项应填写收费金额和收费依据"),
        6: (
            "materials.0",
            "申请材料",
            "material_format",
            "第 6 行“申请材料”列：第 1 项材料的是否必需应为 required（或 必需）、optional（或 可选），不是“yes”",
        ),
        7: (
            "materials.1.form",
            "申请材料",
            "literal_error",
            "第 7 行“申请材料”列：第 2 项材料的材料形式应为以下之一：",
        ),
        8: ("department_code", "实施部门", "invalid", "第 8 行“实施部门”列：部门 nowhere 不存在"),
        9: ("code", "事项编码", "duplicate_code", "第 9 行“事项编码”列：该编码在第 2 行已出现，同一文件中不得重复"),
        10: ("committed_days", "承诺办结时限", "invalid", "第 10 行“承诺办结时限”列：承诺时限超过了法定时限"),
    }
    assert sorted(found) == sorted(expected) and len(report["rejected"]) == len(expected), report["rejected"]
    for row, (field, column, error_code, message) in expected.items():
        problem = found[row]
        assert (problem["field"], problem["column"], problem["error_code"]) == (field, column, error_code), problem
        assert problem["message"].startswith(message), problem["message"]
        assert not any(word in problem["message"] for word in ENGLISH), problem["message"]
    assert found[4]["message"].endswith(
        "licensing、benefit、confirmation、levy、adjudication、award、other_power、public_service"
    )
    assert found[2]["code"] == "330122-PSB-GG-0201"


def test_a_missing_column_is_named_by_its_chinese_header_and_its_key(sm: SM) -> None:
    report = _import(sm, b"code,name\n330122-AMR-XK-0200,x\n", "x.csv", dry_run=True)
    by_field = {p["field"]: p for p in report["rejected"]}
    assert set(by_field) == {"item_type", "department_code", "legal_basis", "statutory_days", "committed_days"}
    assert by_field["legal_basis"] == {
        "row": 1,
        "code": None,
        "field": "legal_basis",
        "column": "设定依据",
        "error_code": "column_missing",
        "message": "第 1 行（标题行）缺少“设定依据”列，其列名应为 legal_basis，请使用导入模板",
    }


def test_a_department_admin_is_told_in_chinese_that_only_their_departments_items_import(sm: SM) -> None:
    response = sm.client.post(
        "/api/v1/items/import",
        params={"dry_run": "true"},
        files={"file": ("items.csv", _csv([_row(code="330122-PSB-GG-0301")]))},
        headers=sm.staff("department_admin", "amr"),
    )
    [problem] = response.json()["rejected"]
    assert (problem["column"], problem["error_code"]) == ("实施部门", "forbidden")
    assert problem["message"] == "第 2 行“实施部门”列：部门管理员只能导入本部门的事项"


def test_a_draft_version_is_not_public(sm: SM) -> None:
    admin = sm.staff("admin")
    sm.client.post("/api/v1/items", json=new_item(), headers=admin)
    url = "/api/v1/items/330122-AMR-XK-0099/versions/1"
    assert sm.client.get(url).status_code == 404
    assert sm.client.get(url, headers=sm.person()).status_code == 404
    assert sm.client.get(url, headers=admin).json()["status"] == "draft"


def _themes(sm: SM) -> dict[str, tuple[int, int]]:
    response = sm.client.get("/api/v1/themes")  # public: no token
    assert response.status_code == 200, response.text
    return {t["name"]: (t["item_count"], t["bundle_count"]) for t in response.json()}


def test_themes_count_the_published_items_and_bundles(any_sm: SM) -> None:
    sm = any_sm
    themes = sm.client.get("/api/v1/themes").json()
    assert themes[0] == {"name": "开办餐饮店", "item_count": 2, "bundle_count": 1}  # most items first
    assert _themes(sm) == {
        "开办餐饮店": (2, 1),
        "企业开办": (1, 0),
        "户籍与居住": (1, 1),  # 来县就业安居一件事
        "就业创业": (1, 1),
        "社会保障": (1, 0),
        "养老服务": (1, 0),
    }
    admin = sm.staff("admin")
    code = "330122-AMR-XK-0099"
    created = sm.client.post("/api/v1/items", json=new_item(themes=["开办餐饮店", " 夜间经济 "]), headers=admin)
    assert created.status_code == 201, created.text
    assert "夜间经济" not in _themes(sm)  # a draft counts for nothing
    sm.client.post(f"/api/v1/items/{code}/publish", headers=admin)
    after = _themes(sm)
    assert after["开办餐饮店"] == (3, 1) and after["夜间经济"] == (1, 0)
    # A new version replaces the old one: counted once.
    sm.client.put(f"/api/v1/items/{code}/draft", json=new_item(themes=["开办餐饮店"]), headers=admin)
    sm.client.post(f"/api/v1/items/{code}/publish", headers=admin)
    assert _themes(sm)["开办餐饮店"] == (3, 1) and "夜间经济" not in _themes(sm)
    assert sm.client.post(f"/api/v1/items/{code}/retire", json={"reason": "停止办理"}, headers=admin).status_code == 200
    assert _themes(sm)["开办餐饮店"] == (2, 1)
    # Every theme is a working filter of the catalogue.
    for name, (items, _bundles) in _themes(sm).items():
        listed = sm.client.get("/api/v1/items", params={"theme": name, "page_size": 100})
        assert int(listed.headers["X-Total-Count"]) == items, name


def test_every_department_is_listed_by_its_chinese_name_also_those_that_only_own_data(sm: SM) -> None:
    """The UI names departments from this list only: the data catalogue's owners (发改, 统计, 大数据,
    自然资源) are in it although they implement no demo item, and it needs no token."""
    response = sm.client.get("/api/v1/departments")
    assert response.status_code == 200
    names = {d["code"]: d["name"] for d in response.json()}
    assert names == {
        "amr": "示范县市场监督管理局",
        "bdb": "示范县大数据发展管理局",
        "hrss": "示范县人力资源和社会保障局",
        "ndrc": "示范县发展和改革局",
        "nrb": "示范县自然资源和规划局",
        "psb": "示范县公安局",
        "stats": "示范县统计局",
    }


def test_a_csv_whose_header_holds_the_chinese_column_names_imports_like_one_of_keys(sm: SM) -> None:
    """The UI's CSV template (ui/src/lib/catalogueAdmin.ts itemImportTemplate) heads its columns with their
    Chinese names, as the .xlsx templates do: the importer reads either."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([importer.COLUMN_LABELS[c] for c in COLUMNS])
    writer.writerows(_rows(bad=False))
    report = _import(sm, out.getvalue().encode("utf-8-sig"), "事项导入模板.csv", dry_run=True)
    assert report["rejected"] == [] and report["valid_rows"] == report["rows"] > 0
    keyed = _import(sm, _csv(_rows(bad=False)), "items.csv", dry_run=True)
    assert keyed["codes"] == report["codes"]
