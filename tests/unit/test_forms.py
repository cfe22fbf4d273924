import pytest

from gov_common.errors import InvalidField
from service_management.catalogue.service import validate_form
from service_management.models import Item
from service_management.seed import ITEMS


def _item(code_suffix: str) -> Item:
    spec = next(i for i in ITEMS if i["code"].endswith(code_suffix))
    return Item(**spec)


def test_a_complete_form_is_cleaned() -> None:
    form = {"business_name": " 小店 ", "business_address": "路1号", "business_scope": "零售", "capital": 5}
    assert validate_form(_item("AMR-XK-0001"), form)["business_name"] == "小店"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"business_address": "路1号", "business_scope": "零售", "capital": 5}, "form.business_name"),
        (
            {"business_name": "  ", "business_address": "路1号", "business_scope": "零售", "capital": 5},
            "form.business_name",
        ),
        (
            {"business_name": "x", "business_address": "路1号", "business_scope": "零售", "capital": "五"},
            "form.capital",
        ),
        (
            {"business_name": "x", "business_address": "路1号", "business_scope": "零售", "capital": True},
            "form.capital",
        ),
        (
            {"business_name": "x", "business_address": "路1号", "business_scope": "零售", "capital": 5, "extra": 1},
            "form.extra",
        ),
    ],
)
def test_missing_wrong_or_unknown_fields_are_named(form: dict, field: str) -> None:
    with pytest.raises(InvalidField) as err:
        validate_form(_item("AMR-XK-0001"), form)
    assert err.value.field == field


def test_dates_integers_and_optional_fields() -> None:
    employment = _item("HRSS-QR-0001")
    with pytest.raises(InvalidField) as err:
        validate_form(employment, {"employer": "某公司", "start_date": "2026-13-01", "position": "工程师"})
    assert err.value.field == "form.start_date"
    permit = _item("PSB-XK-0001")
    assert validate_form(permit, {"residence_address": "某路", "residence_months": 7}) == {
        "residence_address": "某路",
        "residence_months": 7,
    }
    with pytest.raises(InvalidField):
        validate_form(permit, {"residence_address": "某路", "residence_months": 7.5})


@pytest.mark.parametrize("code", ["33012", "3301220", "030122", "33O122", 330122, "浙江省杭州市"])
def test_a_division_field_takes_a_six_digit_code_only(code: object) -> None:
    form = {"business_name": "x", "business_address": "路1号", "business_scope": "零售", "capital": 5}
    with pytest.raises(InvalidField) as err:
        validate_form(_item("AMR-XK-0001"), {**form, "business_division_code": code})
    assert (err.value.field, err.value.code) == ("form.business_division_code", "form_not_division")
    assert err.value.detail.startswith("经营场所所在行政区划应为 6 位行政区划代码")
    cleaned = validate_form(_item("AMR-XK-0001"), {**form, "business_division_code": " 330122 "})
    assert cleaned["business_division_code"] == "330122"
