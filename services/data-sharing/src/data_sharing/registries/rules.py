"""Validation rules of the registries' fields: one rule per column kind, described for the quality
reports and applied to CSV rows at import and to stored records in a quality check."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gov_common.errors import InvalidField
from gov_common.identity import birth_date, validate_resident_id, validate_uscc


class RowError(ValueError):
    """One field of one row is not acceptable."""


@dataclass
class Context:
    """What a rule may consult beyond the row: the division codes that exist (in the registry, and
    accepted earlier in the same file)."""

    division_codes: set[str] = field(default_factory=set)
    today: date = field(default_factory=date.today)


Parser = Callable[[str, Context], Any]

DIVISION_CODE = re.compile(r"^[1-9]\d{5}$")
PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def _text(max_length: int) -> Parser:
    def parse(value: str, _ctx: Context) -> str:
        if len(value) > max_length:
            raise RowError(f"longer than {max_length} characters")
        return value

    return parse


def _resident_id(value: str, _ctx: Context) -> str:
    try:
        return validate_resident_id(value.upper())
    except InvalidField as exc:
        raise RowError(exc.detail) from None


def _uscc(value: str, _ctx: Context) -> str:
    try:
        return validate_uscc(value.upper())
    except InvalidField as exc:
        raise RowError(exc.detail) from None


def _division_format(value: str, _ctx: Context) -> str:
    if not DIVISION_CODE.match(value):
        raise RowError("a division code has 6 digits (GB/T 2260)")
    return value


def _existing_division(value: str, ctx: Context) -> str:
    _division_format(value, ctx)
    if value not in ctx.division_codes:
        raise RowError(f"division {value} does not exist in the geography registry")
    return value


def _date(value: str, ctx: Context) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RowError("not a date (YYYY-MM-DD)") from None
    if day > ctx.today:
        raise RowError("lies in the future")
    return day


def _decimal(minimum: Decimal | None = None, maximum: Decimal | None = None) -> Parser:
    def parse(value: str, _ctx: Context) -> Decimal:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise RowError("not a number") from None
        if not number.is_finite():
            raise RowError("not a finite number")
        if minimum is not None and number < minimum:
            raise RowError(f"less than {minimum}")
        if maximum is not None and number > maximum:
            raise RowError(f"more than {maximum}")
        return number

    return parse


def _choice(*choices: str) -> Parser:
    def parse(value: str, _ctx: Context) -> str:
        if value not in choices:
            raise RowError(f"must be one of {', '.join(choices)}")
        return value

    return parse


def _pattern(regex: re.Pattern[str], what: str) -> Parser:
    def parse(value: str, _ctx: Context) -> str:
        if not regex.match(value):
            raise RowError(f"not {what}")
        return value

    return parse


@dataclass(frozen=True)
class Column:
    """One CSV column: its field, whether it must be given, how it is checked."""

    name: str
    label: str
    rule: str  # the rule's name in quality reports
    description: str
    parse: Parser
    required: bool = False


def text(name: str, label: str, max_length: int, *, required: bool = False) -> Column:
    return Column(name, label, "text", f"at most {max_length} characters", _text(max_length), required)


def resident_id(name: str, label: str, *, required: bool = True) -> Column:
    return Column(
        name, label, "resident_id", "18 characters with a correct check digit (GB 11643)", _resident_id, required
    )


def uscc(name: str, label: str) -> Column:
    return Column(name, label, "uscc", "18 characters with a correct check character (GB 32100)", _uscc, True)


def division(name: str, label: str, *, required: bool = True) -> Column:
    return Column(
        name,
        label,
        "division_exists",
        "a division code that exists in the geography registry",
        _existing_division,
        required,
    )


def division_code(name: str, label: str, *, required: bool = True) -> Column:
    return Column(name, label, "division_code", "6 digits (GB/T 2260)", _division_format, required)


def past_date(name: str, label: str, *, required: bool = False) -> Column:
    return Column(name, label, "date", "a date (YYYY-MM-DD), not in the future", _date, required)


def number(
    name: str, label: str, *, minimum: str | None = None, maximum: str | None = None, required: bool = False
) -> Column:
    bounds = " ".join(
        part
        for part in (f"≥ {minimum}" if minimum is not None else "", f"≤ {maximum}" if maximum is not None else "")
        if part
    )
    low = Decimal(minimum) if minimum is not None else None
    high = Decimal(maximum) if maximum is not None else None
    return Column(name, label, "number", f"a number {bounds}".strip(), _decimal(low, high), required)


def choice(name: str, label: str, *choices: str, required: bool = False) -> Column:
    return Column(name, label, "choice", f"one of {', '.join(choices)}", _choice(*choices), required)


def pattern(name: str, label: str, regex: re.Pattern[str], what: str, *, required: bool = False) -> Column:
    return Column(name, label, "pattern", what, _pattern(regex, what), required)


def gender_of(id_number: str) -> str:
    """The 17th character of a resident ID number is odd for men, even for women."""
    return "male" if int(id_number[16]) % 2 == 1 else "female"


def id_number_facts(id_number: str) -> tuple[str, date]:
    return gender_of(id_number), birth_date(id_number)
