"""Supervision through the gateway: the calendar, alerts and performance figures as JSON and CSV."""

from __future__ import annotations

import datetime as dt

from tests.e2e.platform import BUSINESS_FORM, ITEM_INSTANT, Platform
from tests.service_management.e2e_helpers import fresh_applicant, staff


def test_calendar_alerts_and_performance(platform: Platform) -> None:
    with platform.client() as client:
        admin = staff(client, "admin")
        days = client.get("/api/v1/calendar", params={"year": 2026}).json()
        assert {"day": "2026-10-01", "kind": "holiday"}.items() <= next(
            d for d in days if d["day"] == "2026-10-01"
        ).items()
        assert client.get("/api/v1/calendar/2026-10-10").json()["working_day"] is True  # an adjusted Saturday
        assert client.post("/api/v1/supervision/scan", headers=admin).status_code == 200
        assert client.get("/api/v1/supervision/alerts", headers=admin).status_code == 200
        # A case filed now is in today's figures whatever else this platform has filed (the distributed one
        # has no demo history; the standalone one's fills only the months before this one).
        fresh_applicant(client, "郑绩效").file(ITEM_INSTANT, BUSINESS_FORM)
        today = dt.date.today()
        params = {"from": str(today - dt.timedelta(days=2)), "to": str(today + dt.timedelta(days=2))}
        figures = client.get("/api/v1/supervision/performance", params=params, headers=admin)
        assert (
            figures.status_code == 200 and {"key", "volume", "on_time_rate", "satisfaction"} <= figures.json()[0].keys()
        )
        as_csv = client.get("/api/v1/supervision/performance", params={**params, "format": "csv"}, headers=admin)
        assert as_csv.headers["content-type"].startswith("text/csv") and as_csv.text.startswith("department,volume")
        assert (
            client.get("/api/v1/supervision/performance", params=params, headers=staff(client, "clerk")).status_code
            == 403
        )
