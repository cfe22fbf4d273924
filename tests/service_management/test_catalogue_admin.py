"""What the catalogue workbench needs of the API: staff list every item whatever its status (the
public still sees published items only), versions come a page at a time, retiring takes a reason
that the version history and the public answer show — on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.service_management.conftest import ITEM_INSTANT, ITEM_REVIEWED, SM
from tests.service_management.test_catalogue import new_item

DRAFT = "330122-AMR-XK-0091"  # a new item, never published
REVISED = "330122-AMR-XK-0092"  # published, with the next version pending as a draft
RETIRED = "330122-PSB-XK-0093"  # published, then retired
REASON = "该事项已并入“户外招牌设置许可”，请按新事项申请"


def _staff_list(sm: SM, headers: dict[str, str] | None = None, **params: Any) -> tuple[list[dict[str, Any]], int]:
    response = sm.client.get("/api/v1/items", params={"page_size": 100, **params}, headers=headers or sm.staff("admin"))
    assert response.status_code == 200, response.text
    return response.json(), int(response.headers["X-Total-Count"])


def _codes(sm: SM, **params: Any) -> list[str]:
    return [i["code"] for i in _staff_list(sm, **params)[0]]


def _prepare(sm: SM) -> None:
    admin = sm.staff("admin")
    assert sm.client.post("/api/v1/items", json=new_item(DRAFT, name="临时占道许可"), headers=admin).status_code == 201
    assert sm.client.post("/api/v1/items", json=new_item(REVISED), headers=admin).status_code == 201
    assert sm.client.post(f"/api/v1/items/{REVISED}/publish", headers=admin).status_code == 200
    edited = sm.client.put(
        f"/api/v1/items/{REVISED}/draft", json=new_item(REVISED, name="户外招牌设置许可"), headers=admin
    )
    assert edited.status_code == 200, edited.text
    retired = new_item(RETIRED, name="旧版犬只登记", department_code="psb")
    assert sm.client.post("/api/v1/items", json=retired, headers=admin).status_code == 201
    assert sm.client.post(f"/api/v1/items/{RETIRED}/publish", headers=admin).status_code == 200
    response = sm.client.post(f"/api/v1/items/{RETIRED}/retire", json={"reason": REASON}, headers=admin)
    assert response.status_code == 200, response.text


def test_staff_list_every_item_by_its_latest_version(any_sm: SM) -> None:
    sm = any_sm
    _prepare(sm)
    rows, total = _staff_list(sm, status="all")
    by_code = {r["code"]: r for r in rows}
    assert total == len(rows) == 9  # the 6 seeded items and the 3 above
    draft, revised, retired = by_code[DRAFT], by_code[REVISED], by_code[RETIRED]
    assert (draft["status"], draft["version"], draft["published_version"], draft["draft_pending"]) == (
        "draft", 1, None, False,
    )  # fmt: skip
    # The latest version's name is shown; the version in force is named beside it.
    assert (revised["status"], revised["version"], revised["name"]) == ("draft", 2, "户外招牌设置许可")
    assert revised["published_version"] == 1 and revised["draft_pending"] is True
    assert (retired["status"], retired["department_code"], retired["published_version"]) == ("retired", "psb", None)
    assert all(r["updated_at"] for r in rows)
    assert by_code[ITEM_INSTANT]["status"] == "published" and by_code[ITEM_INSTANT]["draft_pending"] is False

    assert _codes(sm, status="draft") == [DRAFT, REVISED]
    assert _codes(sm, status="retired") == [RETIRED]
    published = _codes(sm, status="published")
    assert REVISED in published and DRAFT not in published and RETIRED not in published and len(published) == 7
    # Filters: department, type and the search, which matches names and codes.
    assert _codes(sm, status="all", department="psb") == ["330122-PSB-XK-0001", RETIRED]
    assert _codes(sm, status="all", q="犬只") == [RETIRED]
    assert _codes(sm, status="draft", q="AMR-XK-009") == [DRAFT, REVISED]
    assert _codes(sm, status="all", q="户外招牌") == [REVISED]  # the draft's new name
    assert _codes(sm, status="all", type="confirmation") == ["330122-HRSS-QR-0001"]
    # Paginated the house way.
    page = sm.client.get(
        "/api/v1/items", params={"status": "all", "page": 2, "page_size": 3}, headers=sm.staff("admin")
    )
    assert page.status_code == 200 and len(page.json()) == 3
    assert (page.headers["X-Total-Count"], page.headers["X-Page"], page.headers["X-Page-Size"]) == ("9", "2", "3")
    assert [r["code"] for r in page.json()] == [r["code"] for r in rows[3:6]]


def test_staff_read_every_department_s_items_but_drafts_only_of_their_own(any_sm: SM) -> None:
    """Published and retired versions are open to all staff; a draft is work in progress of its
    department (as the five lists' drafts are): the admin and that department's staff read it,
    others see the item as if the draft were not there. Editing stays with the item's department."""
    sm = any_sm
    _prepare(sm)
    amr, psb = sm.staff("department_admin", "amr"), sm.staff("department_admin", "psb")
    assert [r["code"] for r in _staff_list(sm, amr, status="retired")[0]] == [RETIRED]
    assert [r["code"] for r in _staff_list(sm, sm.staff("reviewer", "amr"), status="draft")[0]] == [DRAFT, REVISED]
    assert _staff_list(sm, psb, status="draft") == ([], 0)
    assert _staff_list(sm, sm.staff("clerk"), status="draft") == ([], 0)  # no department: no drafts
    # For psb, REVISED is its version in force, with nothing pending; DRAFT is not there at all.
    others = {r["code"]: r for r in _staff_list(sm, psb, status="all")[0]}
    assert DRAFT not in others and RETIRED in others
    revised = others[REVISED]
    assert (revised["status"], revised["version"], revised["name"], revised["draft_pending"]) == (
        "published", 1, "户外广告设置许可", False,
    )  # fmt: skip
    assert [r["code"] for r in _staff_list(sm, psb, status="published")[0]].count(REVISED) == 1
    # The versions and the single version answer the same way.
    versions = sm.client.get(f"/api/v1/items/{REVISED}/versions", headers=psb)
    assert [v["version"] for v in versions.json()] == [1] and versions.headers["X-Total-Count"] == "1"
    assert sm.client.get(f"/api/v1/items/{REVISED}/versions/2", headers=psb).status_code == 404
    assert sm.client.get(f"/api/v1/items/{REVISED}/versions/2", headers=amr).status_code == 200
    assert sm.client.get(f"/api/v1/items/{DRAFT}/versions", headers=psb).status_code == 404
    assert [v["version"] for v in sm.client.get(f"/api/v1/items/{REVISED}/versions", headers=amr).json()] == [1, 2]
    refused = sm.client.post(f"/api/v1/items/{RETIRED}/publish", headers=amr)
    assert refused.status_code == 403


def test_the_public_never_sees_drafts_or_retired_items_in_the_list(any_sm: SM) -> None:
    sm = any_sm
    _prepare(sm)
    public = sm.client.get("/api/v1/items", params={"page_size": 100})
    codes = [i["code"] for i in public.json()]
    assert DRAFT not in codes and RETIRED not in codes and REVISED in codes
    assert "status" not in public.json()[0] and "draft_pending" not in public.json()[0]  # the public shape
    revised = next(i for i in public.json() if i["code"] == REVISED)
    assert revised["version"] == 1 and revised["name"] == "户外广告设置许可"  # the version in force, not the draft
    for status in ("draft", "retired", "all", "published"):
        anonymous = sm.client.get("/api/v1/items", params={"status": status})
        assert anonymous.status_code == 401, status
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.json()["errors"][0] == {"field": "status", "message": anonymous.json()["detail"],
                                                 "code": "staff_only"}  # fmt: skip
        applicant = sm.client.get("/api/v1/items", params={"status": status}, headers=sm.person())
        assert applicant.status_code == 403 and applicant.json()["errors"][0]["field"] == "status", status
        assert DRAFT not in applicant.text
    bad = sm.client.get("/api/v1/items", params={"status": "superseded"}, headers=sm.staff("admin"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    mixed = sm.client.get("/api/v1/items", params={"status": "all", "theme": "x"}, headers=sm.staff("admin"))
    assert mixed.status_code == 422 and mixed.json()["errors"][0]["code"] == "filter_not_supported"
    empty = sm.client.get("/api/v1/items", params={"status": "all", "q": "！！"}, headers=sm.staff("admin"))
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "q"


def test_item_versions_are_paginated(any_sm: SM) -> None:
    sm = any_sm
    admin = sm.staff("admin")
    code = "330122-AMR-XK-0094"
    sm.client.post("/api/v1/items", json=new_item(code), headers=admin)
    for n in range(2, 6):
        sm.client.post(f"/api/v1/items/{code}/publish", headers=admin)
        sm.client.put(f"/api/v1/items/{code}/draft", json=new_item(code, name=f"户外广告设置许可{n}"), headers=admin)
    url = f"/api/v1/items/{code}/versions"
    first = sm.client.get(url, params={"page_size": 2}, headers=admin)
    assert [v["version"] for v in first.json()] == [1, 2]
    assert (first.headers["X-Total-Count"], first.headers["X-Page"], first.headers["X-Page-Size"]) == ("5", "1", "2")
    last = sm.client.get(url, params={"page_size": 2, "page": 3}, headers=admin)
    assert [(v["version"], v["status"]) for v in last.json()] == [(5, "draft")]
    assert sm.client.get(url, params={"page_size": 101}, headers=admin).status_code == 422
    assert sm.client.get(url, headers=sm.person()).status_code == 403
    assert sm.client.get("/api/v1/items/330122-AMR-XK-0095/versions", headers=admin).status_code == 404


def test_retiring_takes_a_reason_kept_with_who_and_when(any_sm: SM) -> None:
    sm = any_sm
    admin = sm.staff("admin", name="管理员王")
    url = f"/api/v1/items/{ITEM_REVIEWED}/retire"
    for body, code in (({}, "missing"), ({"reason": ""}, "string_too_short"), ({"reason": "   "}, "value_error"),
                       ({"reason": "长" * 501}, "string_too_long")):  # fmt: skip
        refused = sm.client.post(url, json=body, headers=admin)
        assert refused.status_code == 422, body
        assert refused.json()["errors"][0]["field"] == "reason" and refused.json()["errors"][0]["code"] == code
    assert sm.client.get(f"/api/v1/items/{ITEM_REVIEWED}").status_code == 200  # nothing was retired
    other = sm.client.post(url, json={"reason": REASON}, headers=sm.staff("department_admin", "psb"))
    assert other.status_code == 403

    retired = sm.client.post(url, json={"reason": f"  {REASON}  "}, headers=admin)
    assert retired.status_code == 200, retired.text
    retirement = retired.json()["retirement"]
    assert retirement["reason"] == REASON and retirement["by"] == "管理员王" and retirement["at"]
    assert sm.client.post(url, json={"reason": REASON}, headers=admin).status_code == 404  # nothing in force

    [version] = sm.client.get(f"/api/v1/items/{ITEM_REVIEWED}/versions", headers=admin).json()
    assert version["status"] == "retired" and version["retirement"] == retirement
    assert version["updated_at"] == retirement["at"]

    # A citizen following an old link learns that the item was retired, when and why (not by whom).
    gone = sm.client.get(f"/api/v1/items/{ITEM_REVIEWED}")
    assert gone.status_code == 410 and gone.headers["content-type"] == "application/problem+json"
    body = gone.json()
    assert body["code"] == "item_retired" and REASON in body["detail"]
    assert body["retirement"] == {"reason": REASON, "at": retirement["at"]}
    assert body["item"] == {"code": ITEM_REVIEWED, "name": "食品经营许可", "version": 1, "department_code": "amr"}
    public_version = sm.client.get(f"/api/v1/items/{ITEM_REVIEWED}/versions/1").json()
    assert public_version["retirement"] == {"reason": REASON, "at": retirement["at"], "by": None}
    # An item that never existed (or is only a draft) is still 404.
    assert sm.client.get("/api/v1/items/330122-AMR-XK-0098").status_code == 404
    # New cases are refused; a new version revives the item.
    refused_case = sm.client.post("/api/v1/cases", json={"item_code": ITEM_REVIEWED, "form": {}}, headers=sm.person())
    assert refused_case.status_code == 404 and refused_case.json()["errors"][0]["field"] == "item_code"


def test_list_versions_are_paginated_and_drafts_stay_with_their_department(any_sm: SM) -> None:
    sm = any_sm
    admin = sm.staff("admin")
    entries = [{"code": "XK-01", "name": "食品经营许可", "category": "行政许可", "basis": "《食品安全法》第三十五条"}]
    ids = []
    for dept in ("amr", "psb", "hrss"):
        manager = sm.staff("department_admin", dept)
        draft = sm.client.post("/api/v1/lists/power/drafts", json={"department_code": dept, "entries": entries},
                               headers=manager).json()  # fmt: skip
        ids.append(draft["id"])
        if dept != "hrss":
            sm.client.post(f"/api/v1/lists/versions/{draft['id']}/submit", headers=manager)
            published = sm.client.post(
                f"/api/v1/lists/versions/{draft['id']}/publish", json={"effective_date": "2026-01-01"}, headers=admin
            )
            assert published.status_code == 200, published.text
    public = sm.client.get("/api/v1/lists/power/versions", params={"page_size": 1})
    assert public.headers["X-Total-Count"] == "2" and [v["department_code"] for v in public.json()] == ["amr"]
    second = sm.client.get("/api/v1/lists/power/versions", params={"page_size": 1, "page": 2})
    assert [v["department_code"] for v in second.json()] == ["psb"] and second.headers["X-Page"] == "2"
    hrss = sm.client.get("/api/v1/lists/power/versions", headers=sm.staff("department_admin", "hrss"))
    assert [(v["department_code"], v["status"]) for v in hrss.json()] == [
        ("amr", "published"), ("hrss", "draft"), ("psb", "published"),
    ]  # fmt: skip
    assert sm.client.get("/api/v1/lists/power/versions", headers=sm.staff("department_admin", "amr")).headers[
        "X-Total-Count"
    ] == "2"  # fmt: skip
    assert sm.client.get("/api/v1/lists/power/versions", headers=admin).headers["X-Total-Count"] == "3"
    assert sm.client.get("/api/v1/lists/power/versions", params={"page": 0}).status_code == 422
