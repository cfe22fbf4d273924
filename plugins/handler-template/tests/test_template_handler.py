"""The template's own tests: copy them with the template and keep them passing.

They use only the interface types, no database or web server: a handler is plain Python."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gov_handler_template.handler import ExampleHandler

from business_systems.handlers import (
    ApplicantView,
    CaseView,
    CreditStatus,
    DivisionRecord,
    InvalidLookup,
    RegistryUnavailable,
    load_handlers,
)

APPLICANT = ApplicantView(sub="u1", type="person", id_number="11010519491231002X", name="张三")
FORM = {"sign_text": "张三小吃店", "location": "示范县人民路1号", "area": 6, "months": 12}


class Registries:
    """A fake of the registries a business system passes in: a geography registry that knows 330122,
    refuses what is not six digits (as data-sharing answers 422) and may be down."""

    def __init__(self, *black_listed: str, geography_up: bool = True) -> None:
        self.black_listed = set(black_listed)
        self.geography_up = geography_up

    def credit(self, subject: str) -> CreditStatus | None:
        return CreditStatus(subject=subject, black_listed=subject in self.black_listed, red_listed=False)

    def division(self, code: str) -> DivisionRecord | None:
        if not self.geography_up:
            raise RegistryUnavailable("data-sharing could not be asked: ConnectError")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise InvalidLookup("a division code has 6 digits (GB/T 2260)")
        return DivisionRecord("330122", "示范县", "county", "330100") if code == "330122" else None


def _case(form: dict[str, object] = FORM, decided_at: datetime | None = None) -> CaseView:
    return CaseView(
        case_no="202611250000000001",
        item_code="EXAMPLE-XK-0001",
        item_name="户外广告设施设置许可",
        department_code="example",
        applicant=APPLICANT,
        form=form,
        decided_at=decided_at,
    )


def test_a_good_form_has_no_errors() -> None:
    assert ExampleHandler().validate(FORM, APPLICANT) == []


def test_each_bad_value_is_named_by_its_field() -> None:
    errors = ExampleHandler().validate({"sign_text": "", "area": 80, "months": 0}, APPLICANT)
    assert [e.field for e in errors] == ["form.sign_text", "form.area", "form.months"]


def test_a_black_listed_applicant_is_a_blocking_finding() -> None:
    handler = ExampleHandler()
    assert handler.registry_checks(_case(), Registries()) == []
    [finding] = handler.registry_checks(_case(), Registries(APPLICANT.id_number))
    assert finding.code == "credit_black_listed" and finding.blocking


def test_a_division_is_looked_up_unknown_and_malformed_codes_are_findings_about_the_input() -> None:
    handler = ExampleHandler()
    assert handler.registry_checks(_case({**FORM, "division_code": "330122"}), Registries()) == []
    [unknown] = handler.registry_checks(_case({**FORM, "division_code": "339999"}), Registries())
    assert unknown.code == "division_unknown" and unknown.field == "form.division_code" and unknown.blocking
    [malformed] = handler.registry_checks(_case({**FORM, "division_code": "33-122"}), Registries())
    assert malformed.code == "division_code_invalid" and malformed.field == "form.division_code"


def test_an_outage_of_the_registry_is_no_finding_it_propagates() -> None:
    """The business system retries the case's arrival until the registry answers."""
    with pytest.raises(RegistryUnavailable):
        ExampleHandler().registry_checks(_case({**FORM, "division_code": "330122"}), Registries(geography_up=False))
    # Nothing to look up, nothing to wait for.
    assert ExampleHandler().registry_checks(_case(), Registries(geography_up=False)) == []


def test_the_licence_lasts_the_months_applied_for() -> None:
    decided = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    content = ExampleHandler().license_content(_case(decided_at=decided))
    assert content.fields["sign_text"] == "张三小吃店" and content.trust_level == "A"
    assert content.valid_until is not None and (content.valid_until - decided).days == 360


def test_the_package_registers_the_handler_under_its_entry_point() -> None:
    # Needs the package installed (pip install -e plugins/handler-template): this is how a
    # business system finds it.
    registry = load_handlers(["template-example"])
    name, handler = registry.for_item("EXAMPLE-XK-0001")
    assert name == "template-example" and isinstance(handler, ExampleHandler)
