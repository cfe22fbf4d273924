"""Personalised services (docs/personal-services.md): life-event recommendations from the
applicant's own facts and licences, expiry reminders sent once per threshold, proactive benefits
(免申即享) offered only to applicants who qualify and filed through the normal case path, and the
opt-outs. data-sharing's registry is a fake here (as its credit library is in conftest); the
database is the real one (SQLite, and PostgreSQL where it matters)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import select

from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.events import EventTypes
from service_management.app import SupervisionScheduler
from service_management.models import CaseDecision, ExpiryReminder, HeldLicense
from service_management.personal import reminders
from service_management.personal.also_needed import NextItem
from service_management.personal.facts import ApplicantFacts, RegistryUnavailable, age_of
from tests.service_management.conftest import (
    FOOD_FORM,
    ITEM_EMPLOYMENT,
    ITEM_INSTANT,
    ITEM_REVIEWED,
    SM,
    NoTransactionGuard,
    with_session,
)
from tests.service_management.e2e_helpers import fresh_id_number

BENEFIT = "330122-HRSS-GF-0001"  # 高龄津贴发放, seeded
RECOMMENDATIONS = "/api/v1/me/recommendations"
OFFERS = "/api/v1/me/proactive-offers"
PREFERENCES = "/api/v1/me/personal-preferences"


class FakeRegistry:
    """data-sharing's population registry as the test sets it; counts the reads (each one would be
    an audited read there) and fails one made inside a transaction."""

    def __init__(self, guard: NoTransactionGuard) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.entities: dict[str, list[dict[str, Any]]] = {}  # person -> the entities they represent
        self.reads: list[str] = []
        self.reachable = True
        self.guard = guard

    def of(self, principal: Principal, *, today: dt.date) -> ApplicantFacts:
        self.guard()
        if not self.reachable:
            raise RegistryUnavailable("数据共享平台暂不可用，请稍后再试")
        number = principal.id_number or ""
        self.reads.append(number)
        return ApplicantFacts(
            type=principal.account_type,
            id_number=number,
            age=age_of(principal, today),
            record=self.records.get(number, {}),
            entities=tuple(self.entities.get(number, [])),
        )


@pytest.fixture
def registry(sm: SM) -> FakeRegistry:
    return _registry(sm)


def _registry(sm: SM) -> FakeRegistry:
    fake = FakeRegistry(sm.credit.guard)
    sm.runtime.extras["registry"] = fake
    return fake


def _me(sm: SM, id_number: str) -> dict[str, str]:
    token = sm.issuer.issue(
        sub=f"p-{id_number}",
        account_type="person",
        name="测试",
        id_number=id_number,
        roles=[],
        department=None,
        assurance_level=2,
    )
    return {"Authorization": f"Bearer {token}"}


def _themes(sm: SM, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = sm.client.get(RECOMMENDATIONS, headers=headers)
    assert response.status_code == 200, response.text
    return {r["theme"]: r for r in response.json()["recommendations"]}


def _issued(sm: SM, holder: str, license_no: str, license_type: str, valid_until: dt.datetime | None) -> None:
    sm.deliver(
        EventTypes.LICENSE_ISSUED,
        {
            "license_no": license_no,
            "license_type": license_type,
            "license_name": "营业执照",
            "case_no": None,
            "holder_id_number": holder,
            "holder_type": "person",
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )


def test_a_theme_is_recommended_after_the_licence_event_that_justifies_it(sm: SM, registry: FakeRegistry) -> None:
    person = fresh_id_number("19900307")
    registry.records[person] = {"household_division_code": "330122"}
    me = _me(sm, person)
    assert "开办餐饮店" not in _themes(sm, me)

    _issued(sm, person, "AMR-P-1", "business_license", None)
    restaurant = _themes(sm, me)["开办餐饮店"]
    assert restaurant["reason"] == "您已取得营业执照，开办餐饮店还可能需要食品经营许可"
    assert ITEM_REVIEWED in [i["code"] for i in restaurant["items"]]
    assert restaurant["bundles"] and restaurant["bundles"][0]["code"] == "330122-YJS-0001"
    # Another applicant's licence recommends nothing to this one (only one's own facts count).
    other = fresh_id_number("19900308")
    assert "开办餐饮店" not in _themes(sm, _me(sm, other))

    sm.deliver(EventTypes.LICENSE_REVOKED, {"license_no": "AMR-P-1", "holder_id_number": person})
    assert "开办餐饮店" not in _themes(sm, me)


def test_a_theme_is_recommended_once_the_registry_says_the_person_has_an_individual_business(
    sm: SM, registry: FakeRegistry
) -> None:
    person = fresh_id_number("19900307")
    registry.records[person] = {"household_division_code": "330122"}
    me = _me(sm, person)
    assert "开办餐饮店" not in _themes(sm, me)
    registry.entities[person] = [{"name": "某某小吃店", "entity_type": "enterprise", "status": "active"}]
    assert "开办餐饮店" not in _themes(sm, me)  # a company is not an individual business
    registry.entities[person].append({"name": "张三小吃店", "entity_type": "individual_business", "status": "active"})
    reason = _themes(sm, me)["开办餐饮店"]["reason"]
    assert reason == "您名下有个体工商户「张三小吃店」，从事餐饮还可能需要食品经营许可"
    # Once both of the theme's items are filed, the theme has nothing left to offer.
    sm.file(headers=me)
    sm.file(ITEM_REVIEWED, FOOD_FORM, headers=me)
    assert "开办餐饮店" not in _themes(sm, me)


def test_an_individual_business_itself_is_recommended_what_concerns_it(sm: SM, registry: FakeRegistry) -> None:
    uscc = "92330122MA2H7R5L09"
    token = sm.issuer.issue(
        sub="e-1",
        account_type="entity",
        name="张三小吃店",
        id_number=uscc,
        roles=[],
        department=None,
        assurance_level=2,
    )
    entity = {"Authorization": f"Bearer {token}"}
    assert _themes(sm, entity) == {}
    registry.records[uscc] = {"entity_type": "individual_business", "status": "active"}
    restaurant = _themes(sm, entity)["开办餐饮店"]
    assert restaurant["reason"] == "您名下是个体工商户，从事餐饮还可能需要食品经营许可"
    assert [i["code"] for i in restaurant["items"]] == [ITEM_REVIEWED]  # the other item is for persons only


def test_registry_facts_decide_the_themes_and_are_read_only_for_the_applicant(sm: SM, registry: FakeRegistry) -> None:
    person = fresh_id_number("19900307")
    me = _me(sm, person)
    assert "户籍与居住" not in _themes(sm, me)  # not in the registry yet: nothing to go on
    registry.records[person] = {"household_division_code": "110105"}
    living = _themes(sm, me)["户籍与居住"]
    assert living["reason"] == "您的户籍登记地不在本县，在本县居住可能需要申领居住证"
    assert [i["code"] for i in living["items"]] == ["330122-PSB-XK-0001"]
    assert set(registry.reads) == {person}

    senior = fresh_id_number("19400101")
    registry.records[senior] = {"household_division_code": "330122"}
    themes = _themes(sm, _me(sm, senior))
    assert themes["养老服务"]["reason"].startswith("您已年满")
    assert "户籍与居住" not in themes


def test_recommendations_need_an_applicant_at_l2_and_an_outage_is_503(sm: SM, registry: FakeRegistry) -> None:
    assert sm.client.get(RECOMMENDATIONS, headers=sm.staff("admin")).status_code == 403
    assert sm.client.get(RECOMMENDATIONS, headers=sm.person()).status_code == 403  # no assurance level
    registry.reachable = False
    response = sm.client.get(RECOMMENDATIONS, headers=_me(sm, fresh_id_number()))
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_an_opt_out_is_honoured_at_once_and_reads_no_registry(sm: SM, registry: FakeRegistry) -> None:
    person = fresh_id_number("19400101")
    registry.records[person] = {"household_division_code": "330122"}
    me = _me(sm, person)
    assert "养老服务" in _themes(sm, me)
    reads = len(registry.reads)

    response = sm.client.patch(PREFERENCES, json={"recommendation": False}, headers=me)
    assert response.json() == {"recommendation": False, "also_needed": True, "expiry_reminder": True, "proactive": True}
    body = sm.client.get(RECOMMENDATIONS, headers=me).json()
    assert (body["opted_out"], body["recommendations"]) == (True, [])
    assert len(registry.reads) == reads
    assert sm.client.get(PREFERENCES, headers=me).json()["recommendation"] is False
    # Twice is harmless; back on, back again.
    assert sm.client.patch(PREFERENCES, json={"recommendation": False}, headers=me).status_code == 200
    sm.client.patch(PREFERENCES, json={"recommendation": True}, headers=me)
    assert "养老服务" in _themes(sm, me)

    bad = sm.client.patch(PREFERENCES, json={"recommendations": False}, headers=me)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def _reminders(sm: SM) -> list[dict[str, Any]]:
    return [e.data for e in sm.events(EventTypes.LICENSE_EXPIRING)]


def _remind(sm: SM, now: dt.datetime) -> int:
    with sm.session() as session:
        return reminders.remind(session, now=now).sent


def test_an_expiry_reminder_is_sent_once_per_threshold(any_sm: SM) -> None:
    sm = any_sm
    person = fresh_id_number()
    start = utcnow()
    _issued(sm, person, "AMR-E-1", "business_license", start + dt.timedelta(days=100))
    assert _remind(sm, start) == 0  # 100 days left: nothing yet
    at_85 = start + dt.timedelta(days=15)
    assert _remind(sm, at_85) == 1
    assert _remind(sm, at_85) == 0
    assert _remind(sm, at_85 + dt.timedelta(hours=1)) == 0
    (first,) = _reminders(sm)
    assert first["threshold_days"] == 90 and first["holder_id_number"] == person
    assert first["renewal_item"] == {"code": "330122-AMR-XK-0001", "name": "个体工商户设立登记"}

    at_29 = start + dt.timedelta(days=71)
    assert (_remind(sm, at_29), _remind(sm, at_29)) == (1, 0)
    # Opted out before the 7-day threshold: nothing more.
    sm.client.patch(PREFERENCES, json={"expiry_reminder": False}, headers=_me(sm, person))
    assert _remind(sm, start + dt.timedelta(days=95)) == 0
    assert [r["threshold_days"] for r in _reminders(sm)] == [90, 30]

    # A licence that enters with 20 days left gets the 30-day reminder only; an ended one none.
    late = fresh_id_number()
    _issued(sm, late, "AMR-E-2", "business_license", start + dt.timedelta(days=20))
    _issued(sm, late, "AMR-E-3", "business_license", start + dt.timedelta(days=5))
    sm.deliver(EventTypes.LICENSE_CANCELLED, {"license_no": "AMR-E-3"})
    assert _remind(sm, start) == 1
    assert [(r["license_no"], r["threshold_days"]) for r in _reminders(sm)][-1] == ("AMR-E-2", 30)


def test_a_licence_told_again_takes_its_new_values_and_keeps_its_status(any_sm: SM) -> None:
    sm = any_sm
    holder, start = fresh_id_number(), utcnow()
    _issued(sm, holder, "AMR-R-1", "business_license", start + dt.timedelta(days=100))
    sm.deliver(EventTypes.LICENSE_REVOKED, {"license_no": "AMR-R-1", "holder_id_number": holder})
    _issued(sm, holder, "AMR-R-1", "business_license", start + dt.timedelta(days=20))  # the same event, later
    _issued(sm, holder, "AMR-R-2", "food_business_license", None)

    def held(session: Any) -> dict[str, tuple[str, str, dt.datetime | None]]:
        rows = session.scalars(select(HeldLicense).where(HeldLicense.holder_id_number == holder)).all()
        return {r.license_no: (r.status, r.license_type, r.valid_until) for r in rows}

    rows = with_session(sm, held)
    assert rows["AMR-R-1"][:2] == ("revoked", "business_license")
    assert rows["AMR-R-1"][2] is not None and rows["AMR-R-1"][2].date() == (start + dt.timedelta(days=20)).date()
    assert rows["AMR-R-2"] == ("valid", "food_business_license", None)
    assert _remind(sm, start) == 0  # revoked: no reminder for the 20 days left


def test_the_periodic_job_sends_the_reminders(sm: SM) -> None:
    holder = fresh_id_number()
    _issued(sm, holder, "AMR-J-1", "business_license", utcnow() + dt.timedelta(days=6))
    scheduler = SupervisionScheduler(sm.runtime, 60)
    scheduler.tick()
    scheduler.tick()
    assert [(r["license_no"], r["threshold_days"]) for r in _reminders(sm)] == [("AMR-J-1", 7)]


def test_two_concurrent_runs_send_one_reminder(pg_sm: SM) -> None:
    sm = pg_sm
    start = utcnow()
    for n in range(5):
        _issued(sm, fresh_id_number(), f"AMR-C-{n}", "business_license", start + dt.timedelta(days=60))
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def run() -> None:
        with sm.session() as session:
            barrier.wait()
            sent.append(reminders.remind(session, now=start).sent)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(sent) == 5
    with sm.session() as session:
        assert len(session.scalars(select(ExpiryReminder)).all()) == 5
    assert len(_reminders(sm)) == 5


def test_a_proactive_benefit_is_offered_only_to_who_qualifies(sm: SM, registry: FakeRegistry) -> None:
    senior = fresh_id_number("19400101")
    registry.records[senior] = {"household_division_code": "330122", "residence_address": "桐庐县人民路1号"}
    younger = fresh_id_number("19500101")
    registry.records[younger] = {"household_division_code": "330122"}
    outsider = fresh_id_number("19400101")
    registry.records[outsider] = {"household_division_code": "110105"}
    unknown = fresh_id_number("19400101")  # not in the registry: the household is not known

    for nobody in (younger, outsider, unknown):
        assert sm.client.get(OFFERS, headers=_me(sm, nobody)).json() == {"opted_out": False, "offers": []}
        refused = sm.client.post(f"{OFFERS}/{BENEFIT}/confirm", headers=_me(sm, nobody))
        assert refused.status_code == 409 and refused.json()["code"] == "not_offered"

    me = _me(sm, senior)
    (offer,) = sm.client.get(OFFERS, headers=me).json()["offers"]
    assert offer["item_code"] == BENEFIT
    assert offer["reason"] == "年满八十周岁且户籍在本县，符合高龄津贴发放条件"
    assert offer["form"] == {"household_division_code": "330122", "residence_address": "桐庐县人民路1号"}


def test_the_confirmation_files_a_case_decided_as_usual(sm: SM, registry: FakeRegistry) -> None:
    senior = fresh_id_number("19400101")
    registry.records[senior] = {"household_division_code": "330122"}
    me = _me(sm, senior)
    response = sm.client.post(f"{OFFERS}/{BENEFIT}/confirm", headers=me)
    assert response.status_code == 201, response.text
    case_no = response.json()["case_no"]
    case = sm.case(case_no)
    assert case["item_code"] == BENEFIT and case["form"] == {"household_division_code": "330122"}
    assert case["status"] == "dispatched"  # accepted online and dispatched, as any application
    with sm.session() as session:
        decision = session.scalars(select(CaseDecision).where(CaseDecision.kind == "instant_approval_check")).one()
        assert decision.instant is True
        assert decision.inputs["form"] == {"household_division_code": "330122"}
    (dispatched,) = [e for e in sm.events(EventTypes.CASE_DISPATCHED) if e.subject == case_no]
    assert dispatched.data["instant_approval"] is True and dispatched.data["rule"]["version"] == 1
    # Filed: no longer offered, and a second confirmation files nothing.
    assert sm.client.get(OFFERS, headers=me).json()["offers"] == []
    assert sm.client.post(f"{OFFERS}/{BENEFIT}/confirm", headers=me).status_code == 409


def test_proactive_opt_out(sm: SM, registry: FakeRegistry) -> None:
    senior = fresh_id_number("19400101")
    registry.records[senior] = {"household_division_code": "330122"}
    me = _me(sm, senior)
    sm.client.patch(PREFERENCES, json={"proactive": False}, headers=me)
    assert sm.client.get(OFFERS, headers=me).json() == {"opted_out": True, "offers": []}
    refused = sm.client.post(f"{OFFERS}/{BENEFIT}/confirm", headers=me)
    assert refused.status_code == 409 and refused.json()["code"] == "opted_out"


# ---------------------------------------------------------------------------------------------
# 您可能还需要 (personal/also_needed.py): what the warehouse says applicants of the same items filed next


class FakeNextItems:
    """data-sharing's warehouse answer as the test sets it; records what was asked, fails a call made
    inside a transaction."""

    def __init__(self, guard: NoTransactionGuard) -> None:
        self.rows: list[NextItem] = []
        self.asked: list[list[str]] = []
        self.reachable = True
        self.guard = guard

    def after(self, items: list[str]) -> list[NextItem] | None:
        self.guard()
        self.asked.append(items)
        if not self.reachable:
            return None
        return [r for r in self.rows if r.item_code in items and r.next_item_code not in items]


@pytest.fixture
def warehouse(sm: SM) -> FakeNextItems:
    fake = FakeNextItems(sm.credit.guard)
    sm.runtime.extras["next_items"] = fake
    return fake


def _also(sm: SM, headers: dict[str, str]) -> dict[str, Any]:
    response = sm.client.get(RECOMMENDATIONS, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["also_needed"])


def test_items_applicants_of_the_same_item_filed_next_are_recommended_with_their_reason(
    sm: SM, registry: FakeRegistry, warehouse: FakeNextItems
) -> None:
    person = fresh_id_number("19900307")
    me = _me(sm, person)
    assert _also(sm, me) == {"opted_out": False, "available": True, "items": []}
    assert warehouse.asked == []  # nothing filed: nothing to ask about
    warehouse.rows = [
        NextItem(ITEM_INSTANT, 40, ITEM_REVIEWED, 25, 0.625),
        NextItem(ITEM_INSTANT, 40, ITEM_EMPLOYMENT, 8, 0.2),
        NextItem(ITEM_INSTANT, 40, "330122-NOT-PUBLISHED", 30, 0.75),  # not in the catalogue
        NextItem(ITEM_INSTANT, 40, "330122-HRSS-GF-0001", 6, 0.15),  # a benefit, published, for persons
    ]
    sm.file(headers=me)
    also = _also(sm, me)
    assert warehouse.asked[-1] == [ITEM_INSTANT]
    assert [i["code"] for i in also["items"]] == [ITEM_REVIEWED, ITEM_EMPLOYMENT, "330122-HRSS-GF-0001"]
    food = also["items"][0]
    assert food["name"] == "食品经营许可" and food["applicants"] == 25
    assert food["reason"] == "办理过「个体工商户设立登记」的申请人中，有 63% 随后办理了本事项"
    assert food["based_on"] == {"code": ITEM_INSTANT, "name": "个体工商户设立登记"}

    # Once filed, it is no longer recommended; another applicant is told nothing of this one's filings.
    sm.file(ITEM_REVIEWED, FOOD_FORM, headers=me)
    assert ITEM_REVIEWED not in [i["code"] for i in _also(sm, me)["items"]]
    assert warehouse.asked[-1] == [ITEM_INSTANT, ITEM_REVIEWED]
    assert _also(sm, _me(sm, fresh_id_number("19900308")))["items"] == []


def test_an_outage_of_the_warehouse_leaves_the_themes_and_marks_the_section_unavailable(
    sm: SM, registry: FakeRegistry, warehouse: FakeNextItems
) -> None:
    senior = fresh_id_number("19400101")
    registry.records[senior] = {"household_division_code": "330122"}
    me = _me(sm, senior)
    sm.file(headers=me)
    warehouse.rows = [NextItem(ITEM_INSTANT, 40, ITEM_REVIEWED, 25, 0.625)]
    warehouse.reachable = False
    response = sm.client.get(RECOMMENDATIONS, headers=me)
    assert response.status_code == 200
    body = response.json()
    assert "养老服务" in {r["theme"] for r in body["recommendations"]}
    assert body["also_needed"] == {"opted_out": False, "available": False, "items": []}


def test_the_also_needed_opt_out_is_its_own_and_asks_nothing(
    sm: SM, registry: FakeRegistry, warehouse: FakeNextItems
) -> None:
    person = fresh_id_number("19900307")
    me = _me(sm, person)
    sm.file(headers=me)
    warehouse.rows = [NextItem(ITEM_INSTANT, 40, ITEM_REVIEWED, 25, 0.625)]
    assert [i["code"] for i in _also(sm, me)["items"]] == [ITEM_REVIEWED]
    asked = len(warehouse.asked)

    off = sm.client.patch(PREFERENCES, json={"also_needed": False}, headers=me).json()
    assert off == {"recommendation": True, "also_needed": False, "expiry_reminder": True, "proactive": True}
    assert _also(sm, me) == {"opted_out": True, "available": True, "items": []}
    assert len(warehouse.asked) == asked
    # Themes off too: still an answer, and neither the registry nor the warehouse is asked.
    sm.client.patch(PREFERENCES, json={"recommendation": False}, headers=me)
    reads = len(registry.reads)
    body = sm.client.get(RECOMMENDATIONS, headers=me).json()
    assert body["opted_out"] is True and body["also_needed"]["opted_out"] is True
    assert (len(registry.reads), len(warehouse.asked)) == (reads, asked)
    # Themes off, 您可能还需要 back on: the mined items alone.
    sm.client.patch(PREFERENCES, json={"also_needed": True}, headers=me)
    body = sm.client.get(RECOMMENDATIONS, headers=me).json()
    assert body["recommendations"] == [] and [i["code"] for i in body["also_needed"]["items"]] == [ITEM_REVIEWED]
    assert len(registry.reads) == reads
