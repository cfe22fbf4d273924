"""The leaders' cockpit API (docs/warehouse.md, "Cockpit"): the hand-counted seven cases of
test_warehouse through the real handlers into data-sharing on PostgreSQL, then read over HTTP: the
figures, small cells suppressed outside the owning department and not inside it, who may read, bad
filters named, one audit entry per query, and exports equal to the JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_sharing.audit.models import AuditEntry
from data_sharing.warehouse.api import SUPPRESSED
from tests.data_sharing.conftest import DataSharing, Tokens
from tests.data_sharing.test_warehouse import A, C, feed, in_order

URL = "/api/v1/cockpit"


@pytest.fixture
def cockpit(pg_ds: DataSharing) -> DataSharing:
    feed(pg_ds.runtime.db, in_order())
    return pg_ds


def get(ds: DataSharing, headers: dict[str, str], view: str, **params: Any) -> Any:
    response = ds.client.get(f"{URL}/{view}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def rows_by(body: Any, *keys: str) -> dict[Any, dict[str, Any]]:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in body["rows"]}


def audit_count(ds: DataSharing, **where: Any) -> int:
    with ds.runtime.db.session() as s:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.resource == "warehouse")
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return int(s.execute(query).scalar_one())


def test_a_department_admin_sees_their_own_figures_unsuppressed(cockpit: DataSharing, tokens: Tokens) -> None:
    amr = tokens.staff("department_admin", department="amr", name="市监局管理员")
    own = {"department": "amr"}
    funnel = get(cockpit, amr, "funnel", **own)
    assert [(r["stage"], r["cases"], r["suppressed"]) for r in funnel["rows"]] == [
        ("submitted", 2, False),
        ("accepted", 2, False),
        ("decided", 2, False),
        ("concluded", 2, False),
    ]
    assert funnel["unsuppressed_department"] == "amr"
    months = rows_by(get(cockpit, amr, "volumes", **own), "period")
    assert (months["2025-03"]["cases"], months["2025-03"]["instant"]) == (2, 1)
    by_day = rows_by(get(cockpit, amr, "volumes", period="day", **own), "period")
    assert set(by_day) == {"2025-03-03"} and by_day["2025-03-03"]["cases"] == 2
    materials = rows_by(get(cockpit, amr, "materials", **own), "material_code")
    assert {k: r["cases"] for k, r in materials.items()} == {"SQS": 1, "CSZM": 1}
    instant = rows_by(get(cockpit, amr, "instant", **own), "key")
    assert (instant[A]["cases"], instant[A]["count"], instant[A]["share"]) == (2, 1, 0.5)
    channels = rows_by(get(cockpit, amr, "satisfaction", by="channel", **own), "key")
    assert {k: (r["cases"], r["average_rating"]) for k, r in channels.items()} == {
        "online": (1, 5.0),
        "window": (1, 4.0),
    }
    (overview,) = get(cockpit, amr, "overview", **own)["rows"]
    # C1 0 and C2 5 working days; C2 late
    assert (overview["cases"], overview["average_total_days"], overview["on_time_rate"]) == (2, 2.5, 0.5)
    waits = rows_by(get(cockpit, amr, "waits", **own), "step")
    assert {k: (r["cases"], r["average_waiting_days"]) for k, r in waits.items()} == {
        "approve": (1, 2.0),
        "handle": (1, 1.0),
    }


def test_small_cells_are_suppressed_outside_the_owning_department(cockpit: DataSharing, tokens: Tokens) -> None:
    admin = tokens.admin()
    # the administrator reads county-wide: outside every department
    funnel = rows_by(get(cockpit, admin, "funnel"), "stage")
    assert (funnel["submitted"]["cases"], funnel["accepted"]["cases"]) == (7, 5)
    assert funnel["decided"] == {"stage": "decided", "cases": None, "share_of_submitted": None, "suppressed": True}
    (overview,) = get(cockpit, admin, "overview")["rows"]
    assert (overview["cases"], overview["timed"], overview["on_time_rate"]) == (7, 5, 0.6)
    assert (overview["total_n"], overview["average_total_days"]) == (5, 2.2)
    assert overview["suppressed"] and overview["rated"] is None and overview["average_rating"] is None
    assert overview["decided"] is None and overview["instant_share"] is None
    counties = rows_by(get(cockpit, admin, "divisions"), "code")
    assert (counties["330122"]["cases"], counties["330122"]["concluded"]) == (5, 4)
    assert counties["110101"]["suppressed"] and counties["110101"]["cases"] is None
    # the administrator filtering to one department is still outside it
    amr_view = get(cockpit, admin, "funnel", department="amr")["rows"]
    assert all(r["suppressed"] and r["cases"] is None for r in amr_view)

    psb = tokens.staff("department_admin", department="psb", name="公安局管理员")
    assert all(r["cases"] is None for r in get(cockpit, psb, "funnel", department="amr")["rows"])
    # in a view over every department, the reader's own rows are theirs; the others are not
    waits = rows_by(get(cockpit, psb, "waits"), "department_code", "step")
    assert (waits[("psb", "handle")]["cases"], waits[("psb", "handle")]["average_waiting_days"]) == (2, 2.0)
    assert waits[("amr", "handle")]["suppressed"] and waits[("amr", "handle")]["cases"] is None
    assert waits[("hrss", "handle")]["average_waiting_days"] is None
    on_time = rows_by(get(cockpit, psb, "on-time", by="department"), "key")
    assert (on_time["psb"]["cases"], on_time["psb"]["count"], on_time["psb"]["suppressed"]) == (2, 1, False)
    assert on_time["amr"]["cases"] is None and on_time["hrss"]["share"] is None
    # drill-down county → departments → items
    departments = rows_by(get(cockpit, psb, "divisions", division="330122"), "code")
    assert departments["psb"]["cases"] == 1 and not departments["psb"]["suppressed"]
    assert departments["amr"]["cases"] is None and departments["hrss"]["cases"] is None
    hrss = tokens.staff("department_admin", department="hrss", name="人社局管理员")
    items = get(cockpit, hrss, "divisions", division="330122", department="hrss")["rows"]
    assert [(r["level"], r["code"], r["cases"]) for r in items] == [("item", C, 2)]
    assert get(cockpit, psb, "divisions", division="330122", department="hrss")["rows"][0]["cases"] is None
    # satisfaction by item, county-wide: every item has fewer than 5 evaluations
    assert all(r["suppressed"] for r in get(cockpit, admin, "satisfaction")["rows"])


def test_only_administrators_read_the_cockpit(cockpit: DataSharing, tokens: Tokens) -> None:
    refused = {
        "applicant": tokens.person("33012219920202001X", "钱某"),
        "clerk": tokens.staff("clerk", department="amr", name="窗口人员"),
        "reviewer": tokens.staff("reviewer", department="amr", name="审核人员"),
        "integrator": tokens.client("app-1", "integrator"),
    }
    for who, headers in refused.items():
        response = cockpit.client.get(f"{URL}/overview", headers=headers)
        assert response.status_code == 403, who
        assert response.headers["content-type"].startswith("application/problem+json")
    assert audit_count(cockpit, outcome="refused") == len(refused)
    assert cockpit.client.get(f"{URL}/overview").status_code == 401


BAD_FILTERS = [
    ({"division": "33"}, "division"),
    ({"division": "3301２2"}, "division"),
    ({"date_from": "2025-03-01", "date_to": "2025-02-01"}, "date_from"),
    ({"date_from": "yesterday"}, "date_from"),
    ({"period": "week"}, "period"),
    ({"by": "colour"}, "by"),
    ({"division_level": "town"}, "division_level"),
    ({"format": "pdf"}, "format"),
    ({"limit": "0"}, "limit"),
    ({"department": "amr\x00"}, "department"),
]


def test_bad_filters_are_refused_naming_the_field(cockpit: DataSharing, tokens: Tokens) -> None:
    for params, field in BAD_FILTERS:
        view = "instant" if "by" in params else "volumes"
        response = cockpit.client.get(f"{URL}/{view}", params=params, headers=tokens.admin())
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]], params
    unknown = cockpit.client.get(f"{URL}/everything", headers=tokens.admin())
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "view"
    assert cockpit.client.get(f"{URL}/funnel", params={"by": "item"}, headers=tokens.admin()).status_code == 422


def test_each_query_is_recorded_in_the_audit_log(cockpit: DataSharing, tokens: Tokens) -> None:
    hrss = tokens.staff("department_admin", department="hrss", name="人社局管理员")
    get(cockpit, hrss, "funnel", department="hrss", date_from="2025-03-01")
    get(cockpit, hrss, "divisions", division="330122")
    cockpit.client.get(f"{URL}/overview", params={"format": "csv"}, headers=hrss)
    with cockpit.runtime.db.session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.resource == "warehouse").order_by(AuditEntry.seq)).all()
        seen = [(e.action, e.actor_name, e.actor_department, e.outcome, e.fields[0]) for e in entries]
        assert seen == [
            ("read", "人社局管理员", "hrss", "allowed", "cockpit:funnel"),
            ("read", "人社局管理员", "hrss", "allowed", "cockpit:divisions"),
            ("read", "人社局管理员", "hrss", "allowed", "cockpit:overview"),
        ]
        assert "department_code=hrss" in entries[0].fields and "date_from=2025-03-01" in entries[0].fields


def _expected(body: Any) -> list[list[Any]]:
    columns = [c["field"] for c in body["columns"]]
    keys = {"stage", "period", "department_code", "department_name", "step", "level", "code", "name", "key"}
    out = []
    for row in body["rows"]:
        line = []
        for c in columns:
            value = row[c]
            if value is None and row["suppressed"] and c not in keys:
                value = SUPPRESSED
            elif isinstance(value, bool):
                value = "是" if value else "否"
            line.append(value)
        out.append(line)
    return out


@pytest.mark.parametrize(("view", "params"), [("divisions", {}), ("waits", {}), ("overview", {"department": "psb"})])
def test_exports_equal_the_json(cockpit: DataSharing, tokens: Tokens, view: str, params: dict[str, str]) -> None:
    psb = tokens.staff("department_admin", department="psb", name="公安局管理员")
    body = get(cockpit, psb, view, **params)
    expected = _expected(body)
    assert any(SUPPRESSED in line for line in expected) or view == "overview"
    labels = [c["label"] for c in body["columns"]]

    as_csv = cockpit.client.get(f"{URL}/{view}", params={**params, "format": "csv"}, headers=psb)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0] == labels
    assert table[1:] == [["" if v is None else str(v) for v in line] for line in expected]

    as_xlsx = cockpit.client.get(f"{URL}/{view}", params={**params, "format": "xlsx"}, headers=psb)
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == labels
    assert values[1:] == expected
