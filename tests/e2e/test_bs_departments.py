"""Departments side by side and replicas of one department, on PostgreSQL and Kafka: each
department sees only its own cases, in its events and its API; two replicas of one department
share its consumer group and handle every case exactly once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
from kafka import KafkaAdminClient

from gov_common.events import EventTypes, Topics
from tests.e2e.bs_support import APPLICANTS, case_events, staff, wait_in_worklist, work_items
from tests.e2e.platform import (
    BUSINESS_FORM,
    FOOD_FORM,
    ITEM_INSTANT,
    ITEM_PSB_INSTANT,
    ITEM_REVIEWED,
    Applicant,
    Platform,
    start_replica,
)
from tests.kafka_groups import wait_for_spread_group


def test_each_department_loads_its_own_handlers_and_reports_them(distributed_platform: Platform) -> None:
    by_name = {p.name: p for p in distributed_platform.processes}
    amr = httpx.get(by_name["business-systems-amr"].url + "/readyz").json()["checks"]
    psb = httpx.get(by_name["business-systems-psb"].url + "/readyz").json()["checks"]
    assert amr["department"] == "amr" and psb["department"] == "psb"
    assert [h["name"] for h in amr["handlers"]] == ["individual-business", "food-business"]
    assert psb["handlers"] == []
    log = by_name["business-systems-amr"].log.read_text(encoding="utf-8")
    assert "item handlers loaded for amr: individual-business (330122-AMR-XK-0001), food-business" in log


def test_a_case_for_one_department_never_appears_in_the_other(
    distributed_platform: Platform, kafka_bootstrap: str
) -> None:
    platform = distributed_platform
    with platform.client() as client:
        applicant = Applicant(client, APPLICANTS[0], name="周一")
        food = applicant.file(ITEM_REVIEWED, FOOD_FORM)
        permit = applicant.file(ITEM_PSB_INSTANT, {"residence_address": "示范县人民路2号", "residence_months": 12})
        applicant.wait_for(permit, "concluded")
        amr_reviewer, psb_reviewer = staff(client, "reviewer-amr"), staff(client, "reviewer-psb")
        entry = wait_in_worklist(client, amr_reviewer, food)
        assert entry["step"]["name"] == "approve"
        # API: the other department answers as if the case did not exist.
        assert client.get(f"/api/v1/work-items/{food}", headers=psb_reviewer).status_code == 404
        assert client.get(f"/api/v1/work-items/{permit}", headers=amr_reviewer).status_code == 404
        assert food not in [w["case_no"] for w in client.get("/api/v1/worklist", headers=psb_reviewer).json()]
        psb_admin = staff(client, "deptadmin-psb")
        assert client.get(f"/api/v1/work-items/{food}", headers=psb_admin).status_code == 404
        decision = {"decision": "approve", "opinion": "准予许可"}
        assert client.post(f"/api/v1/cases/{food}/decision", headers=psb_reviewer, json=decision).status_code == 404
        assert client.post(f"/api/v1/cases/{food}/decision", headers=amr_reviewer, json=decision).status_code == 200
        applicant.wait_for(food, "concluded")

    # Data: each department's own database holds only its case.
    assert [r["case_no"] for r in work_items(platform, "amr", [food, permit])] == [food]
    assert [r["case_no"] for r in work_items(platform, "psb", [food, permit])] == [permit]
    # Events: what each business system emitted concerns its own cases and says so.
    events = case_events(platform, kafka_bootstrap)
    from_amr = [e for e in events if e.source == "/business-systems/amr"]
    from_psb = [e for e in events if e.source == "/business-systems/psb"]
    assert from_amr and from_psb
    assert all(e.data["department_code"] == "amr" for e in from_amr)
    assert all(e.data["department_code"] == "psb" for e in from_psb)
    assert permit in {e.subject for e in from_psb} and permit not in {e.subject for e in from_amr}
    assert food in {e.subject for e in from_amr} and food not in {e.subject for e in from_psb}

    # Topics: service-management sent each dispatch on the department's own topic too, the same event (one
    # id), and each department's system reads that topic only (its group's offsets), not gov.case.v1.
    dispatches = {e.subject: e.id for e in events if e.type == EventTypes.CASE_DISPATCHED}
    for department, own, other in (("amr", food, permit), ("psb", permit, food)):
        topic = Topics.department_cases(department)
        on_topic = case_events(platform, kafka_bootstrap, topic)
        assert {e.data["department_code"] for e in on_topic} == {department}
        assert {e.type for e in on_topic} <= {EventTypes.CASE_DISPATCHED, EventTypes.CASE_CLOCK_CHANGED}
        assert (own, dispatches[own]) in {(e.subject, e.id) for e in on_topic if e.type == EventTypes.CASE_DISPATCHED}
        assert other not in {e.subject for e in on_topic}
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="e2e-department-topics")
        try:
            group = f"{platform.namespace}business-systems.{department}"
            offsets = admin.list_group_offsets(group)[group]
        finally:
            admin.close()
        assert {tp.topic for tp in offsets} == {platform.namespace + topic}


def test_two_replicas_of_a_department_share_the_work_without_handling_a_case_twice(
    distributed_platform: Platform, kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = distributed_platform
    replica = start_replica(platform, tmp_path, "amr")
    try:
        # The group has rebalanced its partitions over the two members.
        wait_for_spread_group(kafka_bootstrap, f"{platform.namespace}business-systems.amr", members=2)
        case_nos: list[str] = []
        with platform.client() as client:
            applicant = Applicant(client, APPLICANTS[1], name="吴二")
            # Each case number is a Kafka key: 30 of them spread over the topic's 3 partitions.
            while len(case_nos) < 90:
                case_nos += [applicant.file(ITEM_INSTANT, BUSINESS_FORM) for _ in range(30)]
                for case_no in case_nos:
                    applicant.wait_for(case_no, "concluded", timeout=60)
                replicas = {r["received_by"] for r in work_items(platform, "amr", case_nos)}
                if len(replicas) == 2:
                    break
        rows = work_items(platform, "amr", case_nos)
        assert sorted(r["case_no"] for r in rows) == sorted(case_nos)  # one work item each
        assert all(r["status"] == "approved" for r in rows)
        taken = Counter(r["received_by"] for r in rows)
        assert len(taken) == 2 and "amr-replica-2" in taken, taken

        events = case_events(platform, kafka_bootstrap)
        decisions = Counter(
            e.subject
            for e in events
            if e.type in ("gov.case.approved", "gov.case.denied") and e.source == "/business-systems/amr"
        )
        assert {no: decisions[no] for no in case_nos} == dict.fromkeys(case_nos, 1)
        concluded = Counter(e.subject for e in events if e.type == "gov.case.concluded")
        assert all(concluded[no] == 1 for no in case_nos)
    finally:
        replica.stop()
    assert replica.popen.returncode is not None


def test_an_item_handler_checks_the_place_of_business_against_the_geography_registry(platform: Platform) -> None:
    """The amr handler asks data-sharing's geography registry live, with the business system's own
    service identity: a known division lets the instant approval through, an unknown one sends the
    case to a reviewer with the finding."""
    from tests.e2e.platform import BUSINESS_FORM, DEMO_PASSWORD, ITEM_INSTANT, Applicant, login
    from tests.service_management.e2e_helpers import fresh_id_number, wait_until

    with platform.client() as client:
        applicant = Applicant(client, fresh_id_number(), name="区划测试")
        known = applicant.file(ITEM_INSTANT, {**BUSINESS_FORM, "business_division_code": "330122"})
        assert applicant.wait_for(known, "concluded")["license_no"]

        unknown = applicant.file(ITEM_INSTANT, {**BUSINESS_FORM, "business_division_code": "339999"})
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        work = wait_until(
            lambda: client.get(f"/api/v1/work-items/{unknown}", headers=reviewer),
            lambda response: response.status_code == 200,
        ).json()
        assert work["status"] == "pending" and work["automated"] is False
        codes = [f["code"] for f in work["findings"]]
        assert "division_unknown" in codes, work["findings"]
        assert applicant.case(unknown)["status"] == "dispatched"
