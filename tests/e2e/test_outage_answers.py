"""Honest answers during outages, on the distributed platform (real processes, PostgreSQL and Kafka):
while service-management's database refuses connections, submits through the gateway get 503
problem+json with Retry-After (never 500), the gateway stays ready, service-management is alive but
not ready; when the database is back a case goes from submit to licence again. (The standalone
platform's SQLite answers: tests/unit/test_outage_answers.py.)"""

from __future__ import annotations

import time

import httpx

from tests.e2e.platform import ADULTS, BUSINESS_FORM, ITEM_INSTANT, Applicant, Platform
from tests.integration.test_outage_answers import unreachable


def test_distributed_submits_get_503_while_the_database_is_down(
    distributed_platform: Platform, pg_admin_url: str
) -> None:
    platform = distributed_platform
    management = next(p for p in platform.processes if p.name == "service-management")
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[2], name="王五")
        with unreachable(pg_admin_url, platform.databases["sm"]):
            started = time.monotonic()
            for _ in range(3):
                submit = {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}
                refused = client.post("/api/v1/cases", json=submit, headers=applicant.headers)
                assert refused.status_code == 503, refused.text
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.headers["retry-after"] == "5"
                assert refused.json()["code"] == "database_unavailable"
            listed = client.get("/api/v1/cases", headers=applicant.headers)
            assert listed.status_code == 503 and listed.headers["retry-after"] == "5"
            assert time.monotonic() - started < 10
            assert client.get("/readyz").status_code == 200  # the gateway's own database answers
            assert httpx.get(management.url + "/healthz", timeout=5).status_code == 200
            assert httpx.get(management.url + "/readyz", timeout=5).status_code == 503
        case_no = applicant.file(ITEM_INSTANT, BUSINESS_FORM)
        assert applicant.wait_for(case_no, "concluded")["license_no"]
        assert httpx.get(management.url + "/readyz", timeout=5).status_code == 200
