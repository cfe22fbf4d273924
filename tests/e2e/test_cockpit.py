"""The leaders' cockpit through the gateway (docs/warehouse.md, "Cockpit"): the administrator reads a
view and its .xlsx export from data-sharing behind /api/v1/cockpit; a window clerk is refused; a bad
filter is named. Figures themselves: tests/data_sharing/test_cockpit_api.py."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.e2e.platform import DEMO_PASSWORD, Platform, login


def test_the_cockpit_through_the_gateway(distributed_platform: Platform) -> None:
    with distributed_platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        funnel = client.get("/api/v1/cockpit/funnel", params={"date_from": "2020-01-01"}, headers=admin)
        assert funnel.status_code == 200, funnel.text
        assert [r["stage"] for r in funnel.json()["rows"]] == ["submitted", "accepted", "decided", "concluded"]
        assert funnel.json()["unsuppressed_department"] is None

        exported = client.get("/api/v1/cockpit/funnel", params={"format": "xlsx"}, headers=admin)
        assert exported.status_code == 200
        assert 'filename="cockpit-funnel.xlsx"' in exported.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(exported.content), read_only=True).active
        assert sheet is not None and len(list(sheet.iter_rows(values_only=True))) == 5

        bad = client.get("/api/v1/cockpit/divisions", params={"division": "33"}, headers=admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "division"

        clerk = login(client, "clerk", DEMO_PASSWORD)
        refused = client.get("/api/v1/cockpit/overview", headers=clerk)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
