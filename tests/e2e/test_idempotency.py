"""Idempotency-Key through the distributed gateway (real processes, PostgreSQL and Kafka): the header
reaches service-management, a resend answers with the first case and files nothing again, the same key
with another body is refused naming the header (docs/operations.md, "During outages")."""

from __future__ import annotations

import uuid

from tests.e2e.platform import BUSINESS_FORM, ITEM_INSTANT, Applicant, Platform
from tests.service_management.e2e_helpers import fresh_id_number


def test_a_filing_resent_with_its_key_through_the_gateway_is_filed_once(distributed_platform: Platform) -> None:
    with distributed_platform.client() as client:
        # An applicant of its own: the shared platform's demo applicants have cases other tests count.
        applicant = Applicant(client, fresh_id_number(), name="幂等测试")

        def mine() -> int:
            listed = client.get("/api/v1/cases", headers=applicant.headers)
            assert listed.status_code == 200, listed.text
            return int(listed.headers["x-total-count"])

        before = mine()
        headers = {**applicant.headers, "Idempotency-Key": f"e2e-{uuid.uuid4()}"}
        body = {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}
        first = client.post("/api/v1/cases", json=body, headers=headers)
        assert first.status_code == 201, first.text
        again = client.post("/api/v1/cases", json=body, headers=headers)
        assert again.status_code == 201 and again.json() == first.json()
        assert mine() == before + 1

        other = client.post("/api/v1/cases", json={**body, "form": {**BUSINESS_FORM, "capital": 7}}, headers=headers)
        assert other.status_code == 422 and other.headers["content-type"] == "application/problem+json"
        assert other.json()["errors"][0]["field"] == "Idempotency-Key"
        assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
        assert mine() == before + 1
