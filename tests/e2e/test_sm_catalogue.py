"""The catalogue and the five lists through the gateway, in both run modes."""

from __future__ import annotations

import io
import uuid

from openpyxl import Workbook

from tests.e2e.platform import Platform
from tests.service_management.e2e_helpers import staff

COLUMNS = [
    "code",
    "name",
    "item_type",
    "department_code",
    "legal_basis",
    "statutory_days",
    "committed_days",
    "audience",
    "keywords",
    "materials",
]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_chinese_search_hits_and_misses(platform: Platform) -> None:
    with platform.client() as client:

        def names(q: str, **params: str) -> list[str]:
            response = client.get("/api/v1/items", params={"q": q, "page_size": 100, **params})
            assert response.status_code == 200, response.text
            return sorted(i["name"] for i in response.json())

        assert names("营业执照") == ["个体工商户设立登记"]
        assert names("食品") == ["食品经营许可"]
        assert names("社保卡") == ["社会保障卡申领"]
        assert names("护照") == []
        assert names("执照营业") == []
        assert names("登记", department="hrss") == ["就业登记"]
        detail = client.get("/api/v1/items/330122-AMR-XK-0002").json()
        assert {m["code"] for m in detail["materials"]} >= {"SQS", "YYZZ"} and detail["fee"]["free"] is True


def test_import_publish_and_search_an_item(platform: Platform) -> None:
    with platform.client() as client:
        admin = staff(client, "admin")
        seq = f"{uuid.uuid4().int % 9000 + 1000}"
        code = f"330122-PSB-GG-{seq}"
        good = [
            code,
            "出入境证件办理预约",
            "public_service",
            "psb",
            "《出境入境管理法》第十一条",
            20,
            7,
            "person",
            "护照；港澳通行证",
            "SQB|申请表|electronic|required|",
        ]
        bad = [f"330122-PSB-XK-{seq}", "错误事项", "licensing", "nowhere", "", 10, 30, "person", "", ""]

        def upload(rows: list[list[object]], dry_run: bool) -> dict[str, object]:
            response = client.post(
                "/api/v1/items/import",
                params={"dry_run": str(dry_run).lower()},
                files={"file": ("items.xlsx", _xlsx(rows))},
                headers=admin,
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        refused = upload([good, bad], dry_run=False)
        assert refused["applied"] is False and refused["rejected"]
        assert client.get(f"/api/v1/items/{code}/versions", headers=admin).status_code == 404
        assert upload([good], dry_run=False)["applied"] is True
        assert client.post(f"/api/v1/items/{code}/publish", headers=admin).status_code == 200
        found = client.get("/api/v1/items", params={"q": "护照"}).json()
        assert [i["code"] for i in found] == [code]


def test_the_five_lists_are_compiled_published_and_compared(platform: Platform) -> None:
    with platform.client() as client:
        admin = staff(client, "admin")
        entries = [
            {"code": "SF-01", "name": "工本费", "category": "行政事业性收费", "basis": "依据一", "amount": "10元"}
        ]
        first = client.post(
            "/api/v1/lists/fee/drafts", json={"department_code": "psb", "entries": entries}, headers=admin
        )
        assert first.status_code == 201, first.text
        client.post(
            f"/api/v1/lists/versions/{first.json()['id']}/publish", json={"effective_date": "2026-01-01"}, headers=admin
        )
        second = client.post(
            "/api/v1/lists/fee/drafts",
            json={"department_code": "psb", "entries": [{**entries[0], "amount": "0元"}]},
            headers=admin,
        ).json()
        client.post(
            f"/api/v1/lists/versions/{second['id']}/publish", json={"effective_date": "2026-07-01"}, headers=admin
        )
        public = client.get("/api/v1/lists/fee", params={"department": "psb"}).json()
        assert public[-1]["id"] == second["id"] and public[-1]["effective_date"] == "2026-07-01"
        diff = client.get("/api/v1/lists/diff", params={"from": first.json()["id"], "to": second["id"]}).json()
        assert [(c["code"], c["fields"]) for c in diff["changed"]] == [("SF-01", ["amount"])]


def test_themes_code_search_and_paginated_lists_and_tables_through_the_gateway(platform: Platform) -> None:
    with platform.client() as client:
        themes = client.get("/api/v1/themes")  # public
        assert themes.status_code == 200, themes.text
        counts = {t["name"]: (t["item_count"], t["bundle_count"]) for t in themes.json()}
        assert counts["开办餐饮店"][0] >= 2 and counts["开办餐饮店"][1] >= 1 and counts["社会保障"][0] >= 1

        found = client.get("/api/v1/items", params={"q": "330122-AMR", "page_size": 100})
        assert found.status_code == 200, found.text
        codes = {i["code"] for i in found.json()}
        assert {"330122-AMR-XK-0001", "330122-AMR-XK-0002"} <= codes
        assert all(c.startswith("330122-AMR") for c in codes)

        lists = client.get("/api/v1/lists/power", params={"page_size": 1})
        assert lists.status_code == 200, lists.text
        assert lists.headers["X-Page-Size"] == "1" and "X-Total-Count" in lists.headers and len(lists.json()) <= 1
        assert client.get("/api/v1/lists/power", params={"page": 0}).status_code == 422

        admin = staff(client, "admin")
        tables = client.get("/api/v1/items/330122-AMR-XK-0001/rules", headers=admin, params={"page_size": 1})
        assert tables.status_code == 200, tables.text
        assert int(tables.headers["X-Total-Count"]) >= 1 and tables.headers["X-Page"] == "1" and len(tables.json()) == 1
