"""Checks both bureau items share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from business_systems.handlers import CaseView, FieldError, Finding, Registries


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def number(form: Mapping[str, Any], name: str) -> float | None:
    value = form.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def check_length(form: Mapping[str, Any], name: str, label: str, low: int, high: int) -> list[FieldError]:
    value = text(form, name)
    if not low <= len(value) <= high:
        return [FieldError(f"form.{name}", f"{label}应为{low}至{high}个字符")]
    return []


def credit_checks(case: CaseView, registries: Registries) -> list[Finding]:
    """The operator must not be on the credit black list (联合惩戒); an unknown standing is noted."""
    status = registries.credit(case.applicant.id_number)
    if status is None:
        return [Finding("credit_unknown", "未能查询申请人信用状况，请人工核实", blocking=False)]
    if status.black_listed:
        return [Finding("credit_black_listed", "申请人被列入严重失信主体名单，依法实施联合惩戒，需人工审查")]
    return []
