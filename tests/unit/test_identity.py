from datetime import date

import pytest

from gov_common.errors import InvalidField
from gov_common.identity import age_on, mask_id, mask_name, mask_phone, validate_resident_id, validate_uscc


def test_resident_id_with_correct_check_digit_is_accepted() -> None:
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"


@pytest.mark.parametrize(
    "bad", ["110105194912310021", "11010519491231002", "1101051949123100XX", "abc", "119901199003070013"]
)
def test_resident_id_with_wrong_check_digit_or_shape_names_the_field(bad: str) -> None:
    with pytest.raises(InvalidField) as err:
        validate_resident_id(bad)
    assert err.value.field == "id_number"


def test_uscc_check_character() -> None:
    assert validate_uscc("91110000600037341L") == "91110000600037341L"
    with pytest.raises(InvalidField) as err:
        validate_uscc("91110000600037341M")
    assert err.value.field == "uscc"


def test_age_counts_whole_years_from_the_birth_date_in_the_number() -> None:
    assert age_on("11010519491231002X", date(2026, 12, 30)) == 76
    assert age_on("11010519491231002X", date(2026, 12, 31)) == 77


def test_masking() -> None:
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
