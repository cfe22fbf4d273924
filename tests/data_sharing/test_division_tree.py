"""The division tree (GB/T 2260) that the division picker of forms reads: province → city → county,
Chinese names and codes, for any signed-in caller; a bad root is a problem naming `root`."""

from __future__ import annotations

from typing import Any

from tests.data_sharing.conftest import QIAN, DataSharing, Tokens

URL = "/api/v1/registries/division-tree"


def _find(nodes: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(n for n in nodes if n["code"] == code)


def test_an_applicant_reads_the_whole_tree_nested_by_level(pg_ds: DataSharing, tokens: Tokens) -> None:
    answer = pg_ds.client.get(URL, headers=tokens.person(QIAN, "钱多多", level=1))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, max-age=600"
    body = answer.json()
    assert body["root"] is None
    provinces = body["divisions"]
    assert [p["code"] for p in provinces] == ["110000", "320000", "330000"]
    assert {p["level"] for p in provinces} == {"province"}
    zhejiang = _find(provinces, "330000")
    hangzhou = _find(zhejiang["children"], "330100")
    tonglu = _find(hangzhou["children"], "330122")
    assert (zhejiang["name"], hangzhou["name"], tonglu["name"]) == ("浙江省", "杭州市", "桐庐县")
    assert (hangzhou["level"], tonglu["level"], tonglu["children"]) == ("city", "county", [])
    assert len(hangzhou["children"]) == 11
    # Every division of the registry appears once, under its parent.
    flat: list[str] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes:
            flat.append(n["code"])
            walk(n["children"])

    walk(provinces)
    listed = pg_ds.client.get("/api/v1/registries/divisions", params={"page_size": 100}, headers=tokens.admin())
    assert sorted(flat) == sorted(d["code"] for d in listed.json())


def test_a_root_gives_its_subtree_and_an_import_shows_at_once(pg_ds: DataSharing, tokens: Tokens) -> None:
    clerk = tokens.staff("clerk", name="窗口人员")
    subtree = pg_ds.client.get(URL, params={"root": "330100"}, headers=clerk).json()
    assert subtree["root"] == "330100"
    assert [n["code"] for n in subtree["divisions"]] == ["330100"]
    assert "330122" in [c["code"] for c in subtree["divisions"][0]["children"]]
    county = pg_ds.client.get(URL, params={"root": "330122"}, headers=clerk).json()["divisions"]
    assert county == [{"code": "330122", "name": "桐庐县", "level": "county", "children": []}]

    csv = "code,name,parent_code\n340000,安徽省,\n340100,合肥市,340000\n340102,瑶海区,340100\n"
    csv_headers = {**tokens.admin(), "content-type": "text/csv"}
    imported = pg_ds.client.post("/api/v1/registries/divisions/imports", content=csv.encode(), headers=csv_headers)
    assert imported.json()["accepted_rows"] == 3
    anhui = pg_ds.client.get(URL, params={"root": "340000"}, headers=clerk).json()["divisions"][0]
    assert anhui["children"][0]["children"][0]["name"] == "瑶海区"


def test_a_bad_root_is_a_problem_naming_root(pg_ds: DataSharing, tokens: Tokens) -> None:
    applicant = tokens.person(QIAN, "钱多多")
    for bad in ("33012", "03012x", "0330122"[:6]):
        answer = pg_ds.client.get(URL, params={"root": bad}, headers=applicant)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == "root"
        assert "行政区划代码" in answer.json()["errors"][0]["message"]
    too_long = pg_ds.client.get(URL, params={"root": "3301220"}, headers=applicant)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "root"
    unknown = pg_ds.client.get(URL, params={"root": "339999"}, headers=applicant)
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "root"
    assert "339999" in unknown.json()["detail"]


def test_signing_in_is_required(pg_ds: DataSharing) -> None:
    answer = pg_ds.client.get(URL)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
