"""The five lists: compiled by departments, published by an administrator as dated versions,
compared between versions, publicly readable, imported from .xlsx (nothing applied if a row is bad)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from tests.service_management.conftest import SM

ENTRIES = [
    {
        "code": "XK-01",
        "name": "个体工商户设立登记",
        "category": "行政许可",
        "basis": "《促进个体工商户发展条例》第八条",
    },
    {"code": "XK-02", "name": "食品经营许可", "category": "行政许可", "basis": "《食品安全法》第三十五条"},
]


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["code", "name", "category", "basis", "content", "amount"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_compile_publish_diff_and_read(sm: SM) -> None:
    dept = sm.staff("department_admin", "amr")
    admin = sm.staff("admin")
    draft = sm.client.post(
        "/api/v1/lists/power/drafts", json={"department_code": "amr", "entries": ENTRIES}, headers=dept
    )
    assert draft.status_code == 201, draft.text
    v1 = draft.json()["id"]
    assert sm.client.get(f"/api/v1/lists/versions/{v1}").status_code == 404  # a draft is not public
    assert sm.client.get("/api/v1/lists/power").json() == []
    assert sm.client.post(f"/api/v1/lists/versions/{v1}/submit", headers=dept).json()["status"] == "submitted"
    assert (
        sm.client.post(
            f"/api/v1/lists/versions/{v1}/publish", json={"effective_date": "2026-12-01"}, headers=dept
        ).status_code
        == 403
    )
    published = sm.client.post(
        f"/api/v1/lists/versions/{v1}/publish", json={"effective_date": "2026-12-01"}, headers=admin
    )
    assert published.json()["status"] == "published" and published.json()["effective_date"] == "2026-12-01"

    changed = [
        {**ENTRIES[0], "basis": "《促进个体工商户发展条例》第八条、第九条"},
        {
            "code": "CF-01",
            "name": "对无照经营的行政处罚",
            "category": "行政处罚",
            "basis": "《无证无照经营查处办法》第十三条",
        },
    ]
    v2 = sm.client.post(
        "/api/v1/lists/power/drafts", json={"department_code": "amr", "entries": changed}, headers=dept
    ).json()
    assert v2["version"] == 2
    sm.client.post(f"/api/v1/lists/versions/{v2['id']}/publish", json={"effective_date": "2027-01-01"}, headers=admin)

    current = sm.client.get("/api/v1/lists/power", params={"department": "amr"}).json()  # no login needed
    assert [(v["version"], v["status"]) for v in current] == [(2, "published")]
    history = sm.client.get("/api/v1/lists/power/versions").json()
    assert [(v["version"], v["status"]) for v in history] == [(1, "superseded"), (2, "published")]
    diff = sm.client.get("/api/v1/lists/diff", params={"from": v1, "to": v2["id"]}).json()
    assert [e["code"] for e in diff["added"]] == ["CF-01"]
    assert [e["code"] for e in diff["removed"]] == ["XK-02"]
    assert [(c["code"], c["fields"]) for c in diff["changed"]] == [("XK-01", ["basis"])]

    other = sm.client.post(
        "/api/v1/lists/fee/drafts",
        json={"department_code": "amr", "entries": ENTRIES},
        headers=sm.staff("department_admin", "psb"),
    )
    assert other.status_code == 403
    twice = sm.client.post(
        "/api/v1/lists/fee/drafts", json={"department_code": "amr", "entries": [ENTRIES[0], ENTRIES[0]]}, headers=dept
    )
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "entries[1].code"
    assert sm.client.get("/api/v1/lists/sixth").status_code == 422


def test_xlsx_import_with_one_bad_row_applies_nothing(sm: SM) -> None:
    dept = sm.staff("department_admin", "amr")

    def upload(rows: list[list[Any]], dry_run: bool) -> dict[str, Any]:
        response = sm.client.post(
            "/api/v1/lists/fee/import",
            params={"department": "amr", "dry_run": str(dry_run).lower()},
            files={"file": ("fees.xlsx", _xlsx(rows))},
            headers=dept,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    good = [["SF-01", "特种设备检验检测费", "行政事业性收费", "发改价格〔2015〕1299号", "按台次", "300元/台"]]
    bad = [*good, ["SF-02", "", "行政事业性收费", "", "", ""]]
    report = upload(bad, dry_run=False)
    assert report["applied"] is False and report["version_id"] is None
    assert {(p["row"], p["field"]) for p in report["rejected"]} == {(3, "name"), (3, "basis")}
    assert {p["message"] for p in report["rejected"]} == {
        "第 3 行“名称”列：必填，不能为空",
        "第 3 行“依据”列：必填，不能为空",
    }
    drafts = sm.client.get("/api/v1/lists/fee/versions", headers=dept).json()
    assert drafts == []
    applied = upload(good, dry_run=False)
    assert applied["applied"] is True
    version = sm.client.get(f"/api/v1/lists/versions/{applied['version_id']}", headers=dept).json()
    assert version["status"] == "draft" and version["entries"][0]["amount"] == "300元/台"


def test_the_lists_in_force_are_paginated_the_house_way(any_sm: SM) -> None:
    sm = any_sm
    admin = sm.staff("admin")
    for dept in ("psb", "amr", "hrss"):
        draft = sm.client.post(
            "/api/v1/lists/power/drafts", json={"department_code": dept, "entries": ENTRIES}, headers=admin
        )
        assert draft.status_code == 201, draft.text
        published = sm.client.post(
            f"/api/v1/lists/versions/{draft.json()['id']}/publish", json={"effective_date": "2026-01-01"}, headers=admin
        )
        assert published.status_code == 200, published.text
    first = sm.client.get("/api/v1/lists/power", params={"page_size": 2})  # public
    assert first.status_code == 200, first.text
    assert [v["department_code"] for v in first.json()] == ["amr", "hrss"]  # by department code
    assert (first.headers["X-Total-Count"], first.headers["X-Page"], first.headers["X-Page-Size"]) == ("3", "1", "2")
    second = sm.client.get("/api/v1/lists/power", params={"page_size": 2, "page": 2})
    assert [v["department_code"] for v in second.json()] == ["psb"]
    assert second.json()[0]["entries"][0]["code"] == "XK-01"  # each version whole, with its entries
    one = sm.client.get("/api/v1/lists/power", params={"department": "psb"})
    assert one.headers["X-Total-Count"] == "1" and len(one.json()) == 1
    for bad in ({"page": "0"}, {"page_size": "0"}, {"page_size": "500"}):
        refused = sm.client.get("/api/v1/lists/power", params=bad)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"] in {"page", "page_size"}, refused.json()


def test_a_department_deletes_its_drafts_but_never_a_version_on_record(any_sm: SM) -> None:
    sm = any_sm
    amr, psb, admin = sm.staff("department_admin", "amr"), sm.staff("department_admin", "psb"), sm.staff("admin")

    def draft() -> int:
        made = sm.client.post(
            "/api/v1/lists/fee/drafts", json={"department_code": "amr", "entries": ENTRIES}, headers=amr
        )
        assert made.status_code == 201, made.text
        return int(made.json()["id"])

    first, second = draft(), draft()
    url = f"/api/v1/lists/versions/{first}"
    assert sm.client.delete(url, headers=psb).status_code == 404  # another department's draft is not even seen
    assert sm.client.delete(url, headers=sm.staff("reviewer", "amr")).status_code == 403
    assert sm.client.delete(url).status_code == 401
    assert sm.client.delete(url, headers=amr).status_code == 204
    assert sm.client.get(url, headers=amr).status_code == 404
    assert sm.client.delete(url, headers=amr).status_code == 404
    left = sm.client.get("/api/v1/lists/fee/versions", headers=amr).json()
    assert [(v["id"], v["status"]) for v in left] == [(second, "draft")]

    # Submitted and published versions are the record: 409, and they stay.
    assert sm.client.post(f"/api/v1/lists/versions/{second}/submit", headers=amr).status_code == 200
    refused = sm.client.delete(f"/api/v1/lists/versions/{second}", headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "list_not_draft"
    published = sm.client.post(
        f"/api/v1/lists/versions/{second}/publish", json={"effective_date": "2026-12-01"}, headers=admin
    )
    assert published.status_code == 200
    assert sm.client.delete(f"/api/v1/lists/versions/{second}", headers=amr).status_code == 409
    # The administrator deletes any department's draft.
    assert sm.client.delete(f"/api/v1/lists/versions/{draft()}", headers=admin).status_code == 204
    assert [v["status"] for v in sm.client.get("/api/v1/lists/fee/versions", headers=amr).json()] == ["published"]


def test_an_import_names_rows_and_columns_of_the_template_in_chinese(sm: SM) -> None:
    dept = sm.staff("department_admin", "amr")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["code", "name", "category", "basis", "content", "amount", "remark"])
    sheet.append(["SF-01", "检验费", "行政事业性收费", "发改价格〔2015〕1299号", "按台次", "300元/台", ""])
    sheet.append(["SF 02", "检测费", "行政事业性收费", "发改价格〔2015〕1299号", "", "", ""])
    sheet.append(["SF-01", "检验费", "行政事业性收费", "发改价格〔2015〕1299号", "", "", ""])
    sheet.append(["SF-04", "检定费", "x" * 101, "发改价格〔2015〕1299号", "", "", ""])
    out = io.BytesIO()
    workbook.save(out)
    response = sm.client.post(
        "/api/v1/lists/fee/import",
        params={"department": "amr", "dry_run": "true"},
        files={"file": ("fees.xlsx", out.getvalue())},
        headers=dept,
    )
    assert response.status_code == 200, response.text
    problems = [(p["row"], p["column"], p["error_code"], p["message"]) for p in response.json()["rejected"]]
    assert problems == [
        (1, None, "column_unknown", "第 1 行（标题行）的“remark”不是导入模板中的列，请删除该列或按模板填写"),
        (3, "编码", "string_pattern_mismatch", "第 3 行“编码”列：格式不正确"),
        (4, "编码", "duplicate_code", "第 4 行“编码”列：该编码在第 2 行已出现，同一清单中不得重复"),
        (5, "类别", "string_too_long", "第 5 行“类别”列：至多 100 个字符"),
    ]
