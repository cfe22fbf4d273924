"""食品经营许可 (food business licence) → 食品经营许可证."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from business_systems.handlers import (
    ApplicantView,
    CaseView,
    FieldError,
    Finding,
    ItemHandler,
    LicenseContent,
    Registries,
)
from gov_amr_handlers.common import check_length, credit_checks, number, text

# 经营项目 of 《食品经营许可管理办法》: sales (销售) and on-site preparation (制售).
SALES_ITEMS = ("预包装食品销售", "散装食品销售", "特殊食品销售", "其他类食品销售")
PREPARATION_ITEMS = (
    "热食类食品制售",
    "热食类制售",
    "冷食类食品制售",
    "冷食类制售",
    "生食类食品制售",
    "生食类制售",
    "半成品制售",
    "自制饮品制售",
    "糕点类食品制售",
    "糕点类制售",
    "其他类食品制售",
)
BUSINESS_ITEMS = SALES_ITEMS + PREPARATION_ITEMS
MIN_PREPARATION_AREA = 10  # m², for preparing food on site
VALID_YEARS = 5  # 食品经营许可证有效期为5年


def _years_later(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February into a common year
        return moment.replace(year=moment.year + years, day=28)


def business_items(form: Mapping[str, Any]) -> list[str]:
    return [part.strip() for part in re.split(r"[、，,;；]", text(form, "food_category")) if part.strip()]


class FoodBusinessHandler(ItemHandler):
    item_codes = ("330122-AMR-XK-0002",)
    description = "食品经营许可: business items, premises area and operator checks; 食品经营许可证 (5 years)"

    def validate(self, form: Mapping[str, Any], applicant: ApplicantView) -> list[FieldError]:
        errors = check_length(form, "business_name", "经营者名称", 2, 100)
        errors += check_length(form, "business_address", "经营场所", 2, 200)
        items = business_items(form)
        if not items:
            errors.append(FieldError("form.food_category", "请填写经营项目"))
        unknown = [item for item in items if item not in BUSINESS_ITEMS]
        if unknown:
            errors.append(FieldError("form.food_category", f"经营项目“{'、'.join(unknown)}”不在许可目录内"))
        area = number(form, "floor_area")
        if area is None or area <= 0:
            errors.append(FieldError("form.floor_area", "经营场所面积应大于0"))
        elif any(item in PREPARATION_ITEMS for item in items) and area < MIN_PREPARATION_AREA:
            errors.append(
                FieldError("form.floor_area", f"从事食品制售的经营场所面积不应小于{MIN_PREPARATION_AREA}平方米")
            )
        return errors

    def registry_checks(self, case: CaseView, registries: Registries) -> list[Finding]:
        return credit_checks(case, registries)

    def license_content(self, case: CaseView) -> LicenseContent:
        items = business_items(case.form)
        preparing = any(item in PREPARATION_ITEMS for item in items)
        decided = case.decided_at
        valid_until = _years_later(decided, VALID_YEARS) if decided else None
        return LicenseContent(
            fields={
                "operator_name": text(case.form, "business_name"),
                "person_in_charge": case.applicant.name,
                "business_address": text(case.form, "business_address"),
                "main_form": "餐饮服务经营者" if preparing else "食品销售经营者",
                "business_items": items,
                "floor_area": case.form.get("floor_area"),
            },
            trust_level="A",
            valid_until=valid_until,
        )
