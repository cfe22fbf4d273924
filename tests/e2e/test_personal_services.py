"""Personalised services through the gateway, on the demo data, in both run modes: 张三 (in the
demo population registry, 76, household registered outside the county, legal representative of an
individual business) is recommended the themes his own registry facts justify, each with its
reason; every registry read behind it is in data-sharing's audit log with its purpose; he is offered
no 免申即享 benefit he does not qualify for; and his opt-out holds at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gov_common.identity import age_on
from tests.e2e.platform import ADULTS, BUSINESS_FORM, ITEM_INSTANT, ITEM_REVIEWED, Applicant, Platform
from tests.service_management.e2e_helpers import fresh_id_number, staff

PURPOSE = "个性化服务：为申请人本人推荐主题服务和免申即享事项"
BENEFIT = "330122-HRSS-GF-0001"


def _themes(applicant: Applicant) -> dict[str, dict[str, Any]]:
    response = applicant.read("/api/v1/me/recommendations")
    assert response.status_code == 200, response.text
    return {r["theme"]: r for r in response.json()["recommendations"]}


def test_recommendations_from_the_applicants_own_registry_facts_audited_and_opted_out(platform: Platform) -> None:
    with platform.client() as client:
        # A new account is at L1 (another test may have raised 张三's already): registry facts need L2.
        newcomer = Applicant(client, fresh_id_number(), name="新用户")
        at_l1 = client.get("/api/v1/me/recommendations", headers=newcomer.headers)
        assert at_l1.status_code == 403 and at_l1.json()["required_level"] == 2
        zhang = Applicant(client, ADULTS[0], name="张三")
        zhang.raise_by_phone()

        themes = _themes(zhang)
        age = age_on(ADULTS[0], dt.datetime.now(dt.UTC).date())
        assert themes["养老服务"]["reason"] == f"您已年满{age}周岁，可能需要高龄津贴等养老服务"
        assert [i["code"] for i in themes["养老服务"]["items"]] == [BENEFIT]
        # Other tests may have filed the restaurant's items for him: then the theme has nothing left.
        mine = client.get("/api/v1/cases", params={"page_size": 100}, headers=zhang.headers).json()
        filed = {c["item_code"] for c in mine if c["status"] not in ("rejected", "denied")}
        if {ITEM_INSTANT, ITEM_REVIEWED} <= filed:
            assert "开办餐饮店" not in themes
        else:
            reason = themes["开办餐饮店"]["reason"]
            assert reason == "您名下有个体工商户「桐庐县张三小吃店」，从事餐饮还可能需要食品经营许可"

        # 76 and registered outside the county: no 高龄津贴 offered, and no confirming it.
        offers = zhang.read("/api/v1/me/proactive-offers")
        assert offers.status_code == 200 and offers.json() == {"opted_out": False, "offers": []}
        refused = client.post(f"/api/v1/me/proactive-offers/{BENEFIT}/confirm", headers=zhang.headers)
        assert refused.status_code == 409 and refused.json()["code"] == "not_offered"

        # Every read of his registry records behind these answers is audited, with its purpose.
        admin = staff(client, "admin")
        entries = client.get(
            "/api/v1/audit/entries", params={"subject": ADULTS[0], "page_size": 100}, headers=admin
        ).json()
        read = {(e["resource"], e["outcome"]) for e in entries if e["purpose"] == PURPOSE}
        assert {("population", "allowed"), ("legal-entities", "allowed")} <= read

        off = client.patch("/api/v1/me/personal-preferences", json={"recommendation": False}, headers=zhang.headers)
        assert off.status_code == 200 and off.json()["recommendation"] is False
        try:
            body = zhang.read("/api/v1/me/recommendations").json()
            assert (body["opted_out"], body["recommendations"]) == (True, [])
        finally:
            client.patch("/api/v1/me/personal-preferences", json={"recommendation": True}, headers=zhang.headers)


def test_a_qualifying_person_confirms_the_offered_benefit_and_the_case_is_decided_as_usual(
    platform: Platform,
) -> None:
    with platform.client() as client:
        senior = fresh_id_number("19400315")
        csv = (
            "id_number,name,household_division_code,residence_address,phone\n"
            f"{senior},王秀英,330122,浙江省杭州市桐庐县城南街道迎春路5号,13600136003\n"
        )
        imported = client.post(
            "/api/v1/registries/population/imports",
            content=csv.encode(),
            headers={**staff(client, "admin"), "content-type": "text/csv"},
        )
        assert imported.status_code == 201 and imported.json()["accepted_rows"] == 1, imported.text
        applicant = Applicant(client, senior, name="王秀英").raise_by_phone()

        offers = applicant.read("/api/v1/me/proactive-offers").json()["offers"]
        (offer,) = [o for o in offers if o["item_code"] == BENEFIT]
        assert offer["reason"] == "年满八十周岁且户籍在本县，符合高龄津贴发放条件"
        assert offer["form"]["household_division_code"] == "330122"

        confirmed = client.post(f"/api/v1/me/proactive-offers/{BENEFIT}/confirm", headers=applicant.headers)
        assert confirmed.status_code == 201, confirmed.text
        case = applicant.case(confirmed.json()["case_no"])
        assert case["item_code"] == BENEFIT and case["status"] != "supplement_requested"
        (check,) = [d for d in case["decisions"] if d["kind"] == "instant_approval_check"]
        assert check["instant"] is True and check["inputs"]["form"]["household_division_code"] == "330122"
        if platform.mode == "standalone":  # its hrss business system decides by the same table (秒批)
            assert applicant.wait_for(case["case_no"], "concluded")["item_code"] == BENEFIT
        again = applicant.read("/api/v1/me/proactive-offers").json()["offers"]
        assert BENEFIT not in [o["item_code"] for o in again]


def test_also_needed_is_asked_of_the_warehouse_with_the_service_identity(platform: Platform) -> None:
    """您可能还需要: service-management asks data-sharing's warehouse about the items the applicant filed
    (in standalone mode through the internal listener, distributed over the network) and answers; what
    it lists depends on what the session's other applicants filed (tests/integration/test_also_needed.py
    counts it)."""
    with platform.client() as client:
        number = fresh_id_number("19850412")
        csv = (
            "id_number,name,household_division_code,residence_address,phone\n"
            f"{number},赵六,330122,浙江省杭州市桐庐县城南街道迎春路7号,13600136007\n"
        )
        imported = client.post(
            "/api/v1/registries/population/imports",
            content=csv.encode(),
            headers={**staff(client, "admin"), "content-type": "text/csv"},
        )
        assert imported.status_code == 201, imported.text
        applicant = Applicant(client, number, name="赵六").raise_by_phone()
        applicant.file(ITEM_INSTANT, BUSINESS_FORM)
        body = applicant.read("/api/v1/me/recommendations").json()
        also = body["also_needed"]
        assert (also["opted_out"], also["available"]) == (False, True), body
        assert all(i["code"] != ITEM_INSTANT and i["reason"].startswith("办理过「") for i in also["items"])
