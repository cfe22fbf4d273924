"""The warehouse fed by the distributed platform's own events (docs/warehouse.md): a case filed
through the gateway, reviewed by the department, concluded with a licence and rated arrives in
data-sharing's warehouse on PostgreSQL through Kafka, with its channel, division, steps and rating."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import create_engine, select

from data_sharing.warehouse.models import case_fact, license_fact, step_fact
from tests.e2e.platform import ADULTS, DEMO_PASSWORD, FOOD_FORM, ITEM_REVIEWED, Applicant, Platform, login
from tests.e2e.test_case_flow import _wait_in_worklist


def test_a_reviewed_and_rated_case_reaches_the_warehouse(distributed_platform: Platform) -> None:
    platform = distributed_platform
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[1], name="李四")
        case_no = applicant.file(ITEM_REVIEWED, FOOD_FORM)
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        _wait_in_worklist(client, reviewer, case_no)
        decided = client.post(
            f"/api/v1/cases/{case_no}/decision", headers=reviewer, json={"decision": "approve", "opinion": "准予许可"}
        )
        assert decided.status_code == 200, decided.text
        applicant.wait_for(case_no, "concluded")
        rated = client.post(f"/api/v1/cases/{case_no}/evaluation", json={"rating": 4}, headers=applicant.headers)
        assert rated.status_code == 201, rated.text

    engine = create_engine(platform.databases["ds"])
    try:
        row: dict[str, Any] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                found = connection.execute(select(case_fact).where(case_fact.c.case_no == case_no)).mappings().first()
            row = dict(found or {})
            if row.get("rating") is not None and row.get("concluded_at") is not None:
                break
            time.sleep(0.1)
        with engine.connect() as connection:
            steps = connection.execute(select(step_fact).where(step_fact.c.case_no == case_no)).mappings().all()
            licences = connection.execute(select(license_fact).where(license_fact.c.case_no == case_no)).all()
    finally:
        engine.dispose()
    assert (row["item_code"], row["department_code"], row["channel"]) == (ITEM_REVIEWED, "amr", "online")
    assert (row["applicant_type"], row["division_code"]) == ("person", ADULTS[1][:6])
    assert row["submitted_at"] <= row["accepted_at"] <= row["dispatched_at"] <= row["decided_at"] <= row["concluded_at"]
    assert (row["outcome"], row["instant"], row["rating"], row["filed_on"]) == ("approved", False, 4, row["filed_on"])
    assert row["review_days"] is not None and row["total_days"] is not None and row["on_time"] is True
    assert steps and all(s["department_code"] == "amr" and s["waiting_days"] is not None for s in steps)
    assert len(licences) == 1
