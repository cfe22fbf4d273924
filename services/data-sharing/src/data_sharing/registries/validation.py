"""Checking one row (from a CSV file, or a stored record rendered back to text) against a
registry's rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from data_sharing.base import Base
from data_sharing.registries.definitions import RegistryDefinition
from data_sharing.registries.rules import Context, RowError


@dataclass(frozen=True)
class Violation:
    field: str
    rule: str
    message: str


def validate_row(
    definition: RegistryDefinition, raw: Mapping[str, str | None], ctx: Context
) -> tuple[dict[str, Any] | None, list[Violation]]:
    """The row's values (parsed, with derived ones) or None, and what is wrong with it."""
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    for column in definition.columns:
        text = (raw.get(column.name) or "").strip()
        if not text:
            values[column.name] = None
            if column.required:
                violations.append(Violation(column.name, "required", "is required"))
            continue
        try:
            values[column.name] = column.parse(text, ctx)
        except RowError as exc:
            violations.append(Violation(column.name, column.rule, str(exc)))
    if violations:
        return None, violations
    for check in definition.checks:
        violations += [Violation(f, check.rule, m) for f, m in check.check(values, ctx)]
    if violations:
        return None, violations
    if definition.derive is not None:
        values.update(definition.derive(values))
    return values, []


def render(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def stored_row(definition: RegistryDefinition, record: Base) -> dict[str, str | None]:
    """A stored record as the text its import row would have had."""
    return {c.name: render(getattr(record, c.name, None)) for c in definition.columns}
