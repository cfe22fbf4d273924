"""Chinese search finds items by words inside their names, keywords and themes — on SQLite and on
PostgreSQL — and does not find what is not there."""

from __future__ import annotations

from service_management.catalogue.search import query_patterns, search_text, tokens
from tests.service_management.conftest import SM


def _names(sm: SM, **params: str) -> list[str]:
    response = sm.client.get("/api/v1/items", params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    assert int(response.headers["X-Total-Count"]) == len(response.json())
    return [i["name"] for i in response.json()]


HITS_AND_MISSES = [
    ("营业执照", ["个体工商户设立登记"]),  # a keyword
    ("食品", ["食品经营许可"]),  # inside a name
    ("工商户", ["个体工商户设立登记"]),  # the middle of a name
    ("社保卡", ["社会保障卡申领"]),
    ("个体 登记", ["个体工商户设立登记"]),  # every term must match
    ("开办餐饮店", ["个体工商户设立登记", "食品经营许可"]),  # a theme
    ("食", ["食品经营许可"]),  # one character
    ("ＳＯＭＥ", []),  # full-width Latin letters are normalized, and nothing has them
    ("护照", []),
    ("执照营业", []),  # the characters in another order
    ("记营", []),  # the end of the name and the start of a keyword are different fields
    ("个体 护照", []),
    ("100%", []),
]


def test_search_hits_and_misses_on_both_databases(any_sm: SM) -> None:
    for query, expected in HITS_AND_MISSES:
        assert sorted(_names(any_sm, q=query)) == sorted(expected), query


def _codes(sm: SM, q: str) -> list[str]:
    response = sm.client.get("/api/v1/items", params={"page_size": 100, "q": q})
    assert response.status_code == 200, response.text
    return sorted(i["code"] for i in response.json())


def test_search_finds_items_by_code_or_its_prefix_on_both_databases(any_sm: SM) -> None:
    sm = any_sm
    assert _codes(sm, "330122-AMR-XK-0001") == ["330122-AMR-XK-0001"]
    assert _codes(sm, "330122-AMR") == ["330122-AMR-XK-0001", "330122-AMR-XK-0002"]
    assert _codes(sm, "330122-amr-xk-0002") == ["330122-AMR-XK-0002"]  # case does not matter
    assert _codes(sm, "３３０１２２-ＰＳＢ") == ["330122-PSB-XK-0001"]  # full-width input is normalized
    assert _codes(sm, "HRSS-GG") == ["330122-HRSS-GG-0001"]  # the beginning of a segment
    assert len(_codes(sm, "330122-")) == 6
    assert _codes(sm, "330122-AMR 食品") == ["330122-AMR-XK-0002"]  # a code term and a word, both must match
    assert _codes(sm, "330122-AMR-XK-0003") == []
    assert _codes(sm, "MR-XK") == []  # not inside a segment
    assert _codes(sm, "330122_AMR") == []  # `_` is no LIKE wildcard here


def test_filters_and_pagination(any_sm: SM) -> None:
    sm = any_sm
    assert _names(sm, audience="entity") == ["食品经营许可"]
    assert sorted(_names(sm, theme="开办餐饮店")) == ["个体工商户设立登记", "食品经营许可"]
    assert _names(sm, theme="开办") == []  # a theme is matched whole
    assert sorted(_names(sm, type="public_service")) == ["居住证申领", "社会保障卡申领"]
    assert _names(sm, q="登记", department="hrss") == ["就业登记"]
    page = sm.client.get("/api/v1/items", params={"q": "登记", "page_size": 1, "page": 2})
    assert page.headers["X-Total-Count"] == "2" and len(page.json()) == 1
    bad = sm.client.get("/api/v1/items", params={"q": "！！"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "q"
    assert sm.client.get("/api/v1/items", params={"type": "nonsense"}).status_code == 422


def test_tokens_are_bigrams_per_field() -> None:
    assert tokens("食品经营许可") == ["食品", "品经", "经营", "营许", "许可"]
    assert tokens("ＡＢＣ 证照") == ["abc", "证照"]
    assert search_text(["登记", "营业执照"]) == " | 登记 | 营业 业执 执照 | "
    assert query_patterns("执照") == [["% 执照 %"]]
