"""The bureau's two handlers: their checks, their licences, and their entry points."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from gov_amr_handlers.food_business import FoodBusinessHandler
from gov_amr_handlers.individual_business import IndividualBusinessHandler

from business_systems.handlers import (
    ApplicantView,
    CaseView,
    CreditStatus,
    DivisionRecord,
    InvalidLookup,
    RegistryUnavailable,
    load_handlers,
)

PERSON = ApplicantView(sub="u1", type="person", id_number="11010519491231002X", name="张三")
ENTITY = ApplicantView(sub="e1", type="entity", id_number="91330122MA2G0A1B07", name="示范餐饮有限公司")
BUSINESS = {
    "business_name": "张三小吃店",
    "business_address": "示范县人民路1号",
    "business_scope": "小吃服务",
    "capital": 5,
}
FOOD = {
    "business_name": "张三小吃店",
    "business_address": "示范县人民路1号",
    "food_category": "热食类制售",
    "floor_area": 40,
}
DECIDED = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


class Registries:
    """A fake of the registries: a credit status, and a geography registry that knows 330122, refuses
    a code it finds malformed as data-sharing does (422: a leading zero) and may be down."""

    def __init__(self, status: CreditStatus | None, *, geography_up: bool = True) -> None:
        self.status = status
        self.geography_up = geography_up
        self.asked: list[str] = []

    def credit(self, subject: str) -> CreditStatus | None:
        return self.status

    def division(self, code: str) -> DivisionRecord | None:
        self.asked.append(code)
        if not self.geography_up:
            raise RegistryUnavailable("data-sharing could not be asked: ConnectError")
        if not re.fullmatch(r"[1-9][0-9]{5}", code):
            raise InvalidLookup("a division code has 6 digits (GB/T 2260)")
        return DivisionRecord("330122", "桐庐县", "county", "330100") if code == "330122" else None


def _case(item: str, form: dict[str, Any], applicant: ApplicantView = PERSON) -> CaseView:
    return CaseView(
        case_no="202611250000000001",
        item_code=item,
        item_name="",
        department_code="amr",
        applicant=applicant,
        form=form,
        decided_at=DECIDED,
    )


def _fields(errors: list[Any]) -> list[str]:
    return [e.field for e in errors]


def test_individual_business_accepts_a_good_form_and_names_each_bad_field() -> None:
    handler = IndividualBusinessHandler()
    assert handler.validate(BUSINESS, PERSON) == []
    bad = {**BUSINESS, "business_name": "中国张三小吃店", "capital": 0, "business_scope": ""}
    assert _fields(handler.validate(bad, PERSON)) == ["form.business_name", "form.business_scope", "form.capital"]
    assert _fields(handler.validate(BUSINESS, ENTITY)) == ["form"]


def test_individual_business_licence_is_a_business_licence_without_end() -> None:
    content = IndividualBusinessHandler().license_content(_case("330122-AMR-XK-0001", BUSINESS))
    assert content.fields["name"] == "张三小吃店" and content.fields["operator"] == "张三"
    assert content.fields["organization_form"] == "个人经营" and content.fields["registered_on"] == "2026-11-25"
    assert content.trust_level == "A" and content.valid_until is None


def test_food_business_checks_items_and_area() -> None:
    handler = FoodBusinessHandler()
    assert handler.validate(FOOD, ENTITY) == []
    assert handler.validate({**FOOD, "food_category": "预包装食品销售、热食类制售"}, PERSON) == []
    assert _fields(handler.validate({**FOOD, "food_category": "烟花爆竹"}, PERSON)) == ["form.food_category"]
    assert _fields(handler.validate({**FOOD, "floor_area": 6}, PERSON)) == ["form.floor_area"]
    # Selling packaged food needs no minimum area.
    assert handler.validate({**FOOD, "food_category": "预包装食品销售", "floor_area": 6}, PERSON) == []


def test_food_business_licence_is_valid_five_years() -> None:
    content = FoodBusinessHandler().license_content(_case("330122-AMR-XK-0002", FOOD))
    assert content.fields["main_form"] == "餐饮服务经营者" and content.fields["business_items"] == ["热食类制售"]
    assert content.valid_until == datetime(2031, 11, 25, 8, 0, tzinfo=UTC)
    leap = CaseView(**{**_case("330122-AMR-XK-0002", FOOD).__dict__, "decided_at": datetime(2028, 2, 29, tzinfo=UTC)})
    assert FoodBusinessHandler().license_content(leap).valid_until == datetime(2033, 2, 28, tzinfo=UTC)


def test_a_black_listed_operator_is_a_blocking_finding_and_unknown_credit_a_note() -> None:
    for handler, item, form in [
        (IndividualBusinessHandler(), "330122-AMR-XK-0001", BUSINESS),
        (FoodBusinessHandler(), "330122-AMR-XK-0002", FOOD),
    ]:
        case = _case(item, form)
        clean = CreditStatus(subject=PERSON.id_number, black_listed=False, red_listed=True)
        assert handler.registry_checks(case, Registries(clean)) == []
        [black] = handler.registry_checks(case, Registries(CreditStatus(PERSON.id_number, True, False)))
        assert black.code == "credit_black_listed" and black.blocking
        [unknown] = handler.registry_checks(case, Registries(None))
        assert unknown.code == "credit_unknown" and not unknown.blocking


def test_both_handlers_are_registered_as_entry_points_for_their_items() -> None:
    registry = load_handlers(["individual-business", "food-business"])
    assert registry.for_item("330122-AMR-XK-0001")[0] == "individual-business"
    assert registry.for_item("330122-AMR-XK-0002")[0] == "food-business"
    assert {h["distribution"] for h in registry.describe()} == {"gov-amr-handlers"}


def test_the_place_of_business_must_be_a_division_the_geography_registry_knows() -> None:
    handler = IndividualBusinessHandler()
    clean = CreditStatus(PERSON.id_number, False, False)
    known = _case("330122-AMR-XK-0001", {**BUSINESS, "business_division_code": "330122"})
    assert handler.registry_checks(known, Registries(clean)) == []
    unknown = _case("330122-AMR-XK-0001", {**BUSINESS, "business_division_code": "339999"})
    [finding] = handler.registry_checks(unknown, Registries(clean))
    assert finding.code == "division_unknown" and finding.blocking and finding.field == "form.business_division_code"
    # Without the optional field nothing is asked.
    registries = Registries(clean, geography_up=False)
    assert handler.registry_checks(_case("330122-AMR-XK-0001", BUSINESS), registries) == []
    assert registries.asked == []


def test_an_outage_of_the_geography_registry_is_no_finding_it_propagates() -> None:
    """An outage says nothing about the applicant: the handler lets it through, and the business
    system retries the case's arrival until the registry answers (issue 14)."""
    known = _case("330122-AMR-XK-0001", {**BUSINESS, "business_division_code": "330122"})
    with pytest.raises(RegistryUnavailable):
        IndividualBusinessHandler().registry_checks(
            known, Registries(CreditStatus(PERSON.id_number, False, False), geography_up=False)
        )


def test_a_code_the_registry_refuses_as_malformed_is_a_finding_about_the_input() -> None:
    handler = IndividualBusinessHandler()
    clean = CreditStatus(PERSON.id_number, False, False)
    refused = _case("330122-AMR-XK-0001", {**BUSINESS, "business_division_code": "030122"})
    [finding] = handler.registry_checks(refused, Registries(clean))
    assert (finding.code, finding.field, finding.blocking) == (
        "division_code_invalid",
        "form.business_division_code",
        True,
    )
    assert "行政区划代码格式不正确" in finding.message


def test_a_code_that_is_not_six_digits_is_a_form_error_and_not_looked_up() -> None:
    handler = IndividualBusinessHandler()
    for code in ["33012", "3301220", "33O122", "３３０１２２"]:
        form = {**BUSINESS, "business_division_code": code}
        [error] = handler.validate(form, PERSON)
        assert error.field == "form.business_division_code" and "行政区划代码格式不正确" in error.message
        registries = Registries(CreditStatus(PERSON.id_number, False, False), geography_up=False)
        assert handler.registry_checks(_case("330122-AMR-XK-0001", form), registries) == []
        assert registries.asked == []
