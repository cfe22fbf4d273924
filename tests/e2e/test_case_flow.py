"""One case from application to electronic licence, through the gateway, in both run modes."""

from __future__ import annotations

import time

import httpx

from tests.e2e.platform import (
    ADULTS,
    BUSINESS_FORM,
    DEMO_PASSWORD,
    FOOD_FORM,
    ITEM_INSTANT,
    ITEM_PSB_INSTANT,
    ITEM_REVIEWED,
    MINOR,
    Applicant,
    Platform,
    login,
)

HAPPY_PATH = ["submitted", "accepted", "dispatched", "approved", "concluded"]


def _verify(client: httpx.Client, license_no: str) -> dict:
    response = client.get(f"/api/v1/licenses/{license_no}/verify")  # no login needed
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_instant_approval_case_concludes_with_a_licence_that_verifies(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[0], name="张三")  # in the demo population registry
        case_no = applicant.file(ITEM_INSTANT, BUSINESS_FORM)  # at L1: applying needs no more
        case = applicant.wait_for(case_no, "concluded")
        assert [step["status"] for step in case["timeline"]] == HAPPY_PATH
        assert case["license_no"]
        verification = _verify(client, case["license_no"])
        assert verification["valid"] is True and verification["signature_valid"] is True
        assert verification["holder_name"] == "张*"  # masked for the public
        raised = applicant.raise_by_phone()
        wallet = client.get("/api/v1/licenses", headers=raised.headers).json()
        assert case["license_no"] in [lic["license_no"] for lic in wallet]
        # The filing read the applicant's credit status from service-management's copy of the lists; that read
        # reaches data-sharing's audit log (gov.data.read, gathered by a group of its own) and the person sees it.
        deadline = time.monotonic() + 30
        while True:
            seen = client.get("/api/v1/audit/my-data-access", headers=raised.headers, params={"page_size": 100})
            assert seen.status_code == 200, seen.text
            reads = [
                m
                for m in seen.json()
                if m["resource"] == "credit"
                and m["reader"]["client_id"] == "service-management"
                and ITEM_INSTANT in (m["purpose"] or "")
            ]
            if reads:
                break
            assert time.monotonic() < deadline, f"no credit read of the filing within 30 s: {seen.json()}"
            time.sleep(0.2)


def test_reviewed_case_waits_for_the_reviewer_then_concludes_with_a_licence(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[1], name="李四")
        case_no = applicant.file(ITEM_REVIEWED, FOOD_FORM)
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        _wait_in_worklist(client, reviewer, case_no)
        assert applicant.case(case_no)["status"] == "dispatched"

        response = client.post(
            f"/api/v1/cases/{case_no}/decision",
            headers=reviewer,
            json={"decision": "approve", "opinion": "材料齐全，准予许可"},
        )
        assert response.status_code == 200, response.text
        case = applicant.wait_for(case_no, "concluded")
        assert [step["status"] for step in case["timeline"]] == HAPPY_PATH
        assert case["opinion"] == "材料齐全，准予许可"
        assert _verify(client, case["license_no"])["valid"] is True

        again = client.post(
            f"/api/v1/cases/{case_no}/decision", headers=reviewer, json={"decision": "deny", "opinion": "改主意"}
        )
        assert again.status_code == 409


def test_denied_case_ends_denied_without_a_licence(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[2], name="王五")
        case_no = applicant.file(ITEM_REVIEWED, FOOD_FORM)
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        _wait_in_worklist(client, reviewer, case_no)
        response = client.post(
            f"/api/v1/cases/{case_no}/decision",
            headers=reviewer,
            json={"decision": "deny", "opinion": "经营场所不符合要求"},
        )
        assert response.status_code == 200, response.text
        case = applicant.wait_for(case_no, "denied")
        assert case["license_no"] is None
        assert case["opinion"] == "经营场所不符合要求"
        assert [step["status"] for step in case["timeline"]][-1] == "denied"
        # 王五's number is not in the registry: the wallet opens once verified at a window (L3).
        wallet = client.get("/api/v1/licenses", headers=applicant.verified_at_window("王五").headers)
        assert wallet.json() == [] and wallet.headers["X-Total-Count"] == "0"


def test_an_instant_item_whose_rule_fails_goes_to_a_reviewer_with_the_explanation(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, MINOR, name="赵小六")
        case_no = applicant.file(ITEM_INSTANT, BUSINESS_FORM)
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        _wait_in_worklist(client, reviewer, case_no)
        work = client.get(f"/api/v1/work-items/{case_no}", headers=reviewer).json()
        assert work["automated"] is False and work["status"] == "pending"
        assert work["rule_version"] == 1
        assert work["rule_inputs"]["applicant"]["age"] == 17
        assert work["rule_output"]["eligible"] is False
        assert work["rule_output"]["reason"] == "申请人未满十八周岁，转人工审核"
        assert applicant.case(case_no)["status"] == "dispatched"


def test_a_department_sees_only_its_own_cases(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[3], name="孙七")
        case_no = applicant.file(ITEM_REVIEWED, FOOD_FORM)
        amr = login(client, "reviewer-amr", DEMO_PASSWORD)
        _wait_in_worklist(client, amr, case_no)
        psb = login(client, "reviewer-psb", DEMO_PASSWORD)
        assert case_no not in _worklist(client, psb)
        assert client.get(f"/api/v1/work-items/{case_no}", headers=psb).status_code == 404
        response = client.post(
            f"/api/v1/cases/{case_no}/decision", headers=psb, json={"decision": "approve", "opinion": "越权"}
        )
        assert response.status_code == 404

        # The other department's instant item is decided by that department's system.
        permit = applicant.file(ITEM_PSB_INSTANT, {"residence_address": "示范县人民路2号", "residence_months": 12})
        case = applicant.wait_for(permit, "concluded")
        assert case["license_no"].startswith("PSB-")


def _worklist(client: httpx.Client, headers: dict[str, str]) -> list[str]:
    response = client.get("/api/v1/worklist", headers=headers, params={"page_size": 100})
    assert response.status_code == 200, response.text
    return [w["case_no"] for w in response.json()]


def _wait_in_worklist(client: httpx.Client, headers: dict[str, str], case_no: str, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while case_no not in _worklist(client, headers):
        assert time.monotonic() < deadline, f"{case_no} never reached the work list"
        time.sleep(0.05)


def test_lists_are_arrays_with_their_place_in_the_whole_in_headers(platform: Platform) -> None:
    with platform.client() as client:
        everything = client.get("/api/v1/items", params={"page_size": 100})
        assert everything.status_code == 200
        items = everything.json()
        assert len(items) == int(everything.headers["X-Total-Count"]) >= 5  # other tests publish more
        assert {"code", "name", "department_code", "instant_approval"} <= items[0].keys()
        second = client.get("/api/v1/items", params={"page": 2, "page_size": 2})
        assert [i["code"] for i in second.json()] == [i["code"] for i in items[2:4]]
        assert second.headers["X-Page"] == "2" and second.headers["X-Total-Count"] == str(len(items))
        amr = client.get("/api/v1/items", params={"department": "amr", "page_size": 100}).json()
        assert {i["department_code"] for i in amr} == {"amr"}
        assert {ITEM_INSTANT, ITEM_REVIEWED} <= {i["code"] for i in amr}
        detail = client.get(f"/api/v1/items/{ITEM_INSTANT}").json()
        assert detail["instant_approval"] is True
        assert {"name", "label", "type", "required"} <= detail["form_fields"][0].keys()
