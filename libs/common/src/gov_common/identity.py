"""Identity numbers, validated with python-stdnum, and masking for responses."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from gov_common.errors import InvalidField


def _why(exc: Exception) -> str:
    """What python-stdnum found wrong, in Chinese (its own message is English)."""
    if isinstance(exc, InvalidChecksum):
        return "校验位不符"
    if isinstance(exc, InvalidLength):
        return "位数不符"
    if isinstance(exc, InvalidFormat):
        return "含有不允许的字符"
    return "出生日期或地区代码无效"


def validate_resident_id(value: str, field: str = "id_number") -> str:
    """An 18-character resident identity number (GB 11643) with a correct check digit."""
    try:
        number = ric.validate(value)
    except (ValidationError, KeyError) as exc:  # stdnum raises KeyError for an unknown county code
        raise InvalidField(field, f"居民身份证号码不正确：{_why(exc)}", code="resident_id_invalid") from exc
    if len(number) != 18:
        raise InvalidField(field, "居民身份证号码应为 18 位", code="resident_id_length")
    return number


def validate_uscc(value: str, field: str = "uscc") -> str:
    """An 18-character unified social credit code (GB 32100) with a correct check character."""
    try:
        return uscc.validate(value)
    except ValidationError as exc:
        raise InvalidField(field, f"统一社会信用代码不正确：{_why(exc)}", code="uscc_invalid") from exc


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
