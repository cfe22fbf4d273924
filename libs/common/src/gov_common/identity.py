"""Identity numbers, validated with python-stdnum, and masking for responses."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from gov_common.errors import InvalidField


def validate_resident_id(value: str, field: str = "id_number") -> str:
    """An 18-character resident identity number (GB 11643) with a correct check digit."""
    try:
        number = ric.validate(value)
    except (ValidationError, KeyError) as exc:  # stdnum raises KeyError for an unknown county code
        raise InvalidField(field, f"not a valid resident identity number: {exc}", code="resident_id_invalid") from exc
    if len(number) != 18:
        raise InvalidField(field, "a resident identity number has 18 characters", code="resident_id_length")
    return number


def validate_uscc(value: str, field: str = "uscc") -> str:
    """An 18-character unified social credit code (GB 32100) with a correct check character."""
    try:
        return uscc.validate(value)
    except ValidationError as exc:
        raise InvalidField(field, f"not a valid unified social credit code: {exc}", code="uscc_invalid") from exc


def birth_date(id_number: str) -> date:
    return ric.get_birth_date(id_number)


def age_on(id_number: str, day: date) -> int:
    born = birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def mask_id(value: str | None) -> str | None:
    """Keep the first 6 and last 4 characters: 110101********1234."""
    if not value:
        return value
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    if not value or len(value) < 7:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; keeps the family name, as Chinese services show it."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"
