"""Row validation of the registries: each rule names the field and says what is wrong."""

from __future__ import annotations

from datetime import date

from data_sharing.registries.definitions import (
    DIVISIONS,
    ECONOMIC_INDICATORS,
    LEGAL_ENTITIES,
    POPULATION,
    SERVICE_HALLS,
    division_level,
)
from data_sharing.registries.rules import Context
from data_sharing.registries.validation import validate_row

CTX = Context(division_codes={"330000", "330100", "330122", "110000", "110100", "110101"}, today=date(2026, 11, 25))


def _fields(definition, row):  # type: ignore[no-untyped-def]
    values, violations = validate_row(definition, row, CTX)
    return values, {v.field: v.message for v in violations}


def test_a_person_row_is_parsed_and_gender_and_birth_date_come_from_the_id_number() -> None:
    values, errors = _fields(
        POPULATION, {"id_number": "110101199003077758", "name": "李四", "household_division_code": "110101"}
    )
    assert errors == {}
    assert values is not None and values["gender"] == "male" and values["birth_date"] == date(1990, 3, 7)


def test_a_bad_check_digit_an_unknown_division_and_a_missing_name_are_each_named() -> None:
    values, errors = _fields(
        POPULATION, {"id_number": "110101199003077751", "name": "", "household_division_code": "999999"}
    )
    assert values is None
    assert set(errors) == {"id_number", "name", "household_division_code"}
    assert "校验位" in errors["id_number"]
    assert "does not exist" in errors["household_division_code"]
    assert errors["name"] == "is required"


def test_a_gender_that_contradicts_the_id_number_is_rejected() -> None:
    _values, errors = _fields(
        POPULATION,
        {"id_number": "110101199003077758", "name": "李四", "household_division_code": "110101", "gender": "female"},
    )
    assert errors == {"gender": "the ID number says male"}


def test_uscc_check_character_and_entity_rules() -> None:
    row = {
        "uscc": "91330122MA28D0K3XN",
        "name": "桐庐富春江茶业有限公司",
        "entity_type": "enterprise",
        "legal_representative": "钱多多",
        "division_code": "330122",
        "registered_capital": "200",
        "established_on": "2016-05-18",
    }
    values, errors = _fields(LEGAL_ENTITIES, row)
    assert errors == {} and values is not None and values["status"] == "active"
    _values, errors = _fields(
        LEGAL_ENTITIES,
        {**row, "uscc": "91330122MA28D0K3XM", "registered_capital": "-1", "established_on": "2030-01-01"},
    )
    assert set(errors) == {"uscc", "registered_capital", "established_on"}


def test_division_hierarchy_follows_gb_t_2260() -> None:
    assert division_level("330000") == "province"
    assert division_level("330100") == "city"
    assert division_level("330122") == "county"
    assert _fields(DIVISIONS, {"code": "330127", "name": "淳安县", "parent_code": "330100"})[1] == {}
    assert "parent_code" in _fields(DIVISIONS, {"code": "330127", "name": "淳安县", "parent_code": "110100"})[1]
    assert "parent_code" in _fields(DIVISIONS, {"code": "330127", "name": "淳安县"})[1]
    assert "parent_code" in _fields(DIVISIONS, {"code": "320100", "name": "南京市", "parent_code": "320000"})[1]
    assert "code" in _fields(DIVISIONS, {"code": "33012", "name": "x", "parent_code": "330100"})[1]


def test_coordinates_inside_china_and_periods() -> None:
    hall = {"code": "H1", "name": "大厅", "division_code": "330122", "address": "某路1号"}
    assert _fields(SERVICE_HALLS, {**hall, "longitude": "119.69", "latitude": "29.79"})[1] == {}
    assert set(_fields(SERVICE_HALLS, {**hall, "longitude": "-0.1", "latitude": "51.5"})[1]) == {"longitude"}
    indicator = {"indicator_code": "GDP", "indicator_name": "地区生产总值", "division_code": "330122", "unit": "亿元"}
    for period in ("2024", "2024-Q3", "2024-09"):
        assert _fields(ECONOMIC_INDICATORS, {**indicator, "period": period, "value": "1.5"})[1] == {}
    assert set(_fields(ECONOMIC_INDICATORS, {**indicator, "period": "2024-13", "value": "x"})[1]) == {
        "period",
        "value",
    }
