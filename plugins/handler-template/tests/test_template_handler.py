"""The template's own tests: copy them with the template and keep them passing.

They use only the interface types, no database or web server: a handler is plain Python."""

from __future__ import annotations

from datetime import UTC, datetime

from gov_handler_template.handler import ExampleHandler

from business_systems.handlers import ApplicantView, CaseView, CreditStatus, DivisionRecord, load_handlers

APPLICANT = ApplicantView(sub="u1", type="person", id_number="11010519491231002X", name="张三")
FORM = {"sign_text": "张三小吃店", "location": "示范县人民路1号", "area": 6, "months": 12}


class Registries:
    """A fake of the registries a business system passes in."""

    def __init__(self, *black_listed: str) -> None:
        self.black_listed = set(black_listed)

    def credit(self, subject: str) -> CreditStatus | None:
        return CreditStatus(subject=subject, black_listed=subject in self.black_listed, red_listed=False)

    def division(self, code: str) -> DivisionRecord | None:
        return None  # this handler asks the geography registry nothing


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
