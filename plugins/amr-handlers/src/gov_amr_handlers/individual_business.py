"""个体工商户设立登记 (individual business registration) → 营业执照."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from business_systems.handlers import (
    ApplicantView,
    CaseView,
    FieldError,
    Finding,
    InvalidLookup,
    ItemHandler,
    LicenseContent,
    Registries,
)
from gov_amr_handlers.common import check_length, credit_checks, number, text

# Words a name may carry only with approval (《企业名称登记管理规定》第十一条 and its implementing rules).
RESERVED_WORDS = ("中国", "中华", "全国", "国家", "国际")
MAX_CAPITAL = 100_000  # 万元
DIVISION_FIELD = "form.business_division_code"
DIVISION_CODE = re.compile(r"[0-9]{6}")  # GB/T 2260
DIVISION_CODE_INVALID = "经营场所行政区划代码格式不正确，应为6位数字"


class IndividualBusinessHandler(ItemHandler):
    item_codes = ("330122-AMR-XK-0001",)
    description = "个体工商户设立登记: name, scope, capital and operator checks; 营业执照"

    def validate(self, form: Mapping[str, Any], applicant: ApplicantView) -> list[FieldError]:
        errors: list[FieldError] = []
        if applicant.type != "person":
            errors.append(FieldError("form", "个体工商户由自然人申请设立"))
        errors += check_length(form, "business_name", "个体工商户名称", 2, 50)
        name = text(form, "business_name")
        for word in RESERVED_WORDS:
            if word in name:
                errors.append(FieldError("form.business_name", f"名称中不得含有“{word}”字样"))
        errors += check_length(form, "business_scope", "经营范围", 1, 500)
        errors += check_length(form, "business_address", "经营场所", 2, 200)
        division = text(form, "business_division_code")
        if division and not DIVISION_CODE.fullmatch(division):
            errors.append(FieldError(DIVISION_FIELD, DIVISION_CODE_INVALID))
        capital = number(form, "capital")
        if capital is None or not 0 < capital <= MAX_CAPITAL:
            errors.append(FieldError("form.capital", f"资金数额应大于0且不超过{MAX_CAPITAL}万元"))
        return errors

    def registry_checks(self, case: CaseView, registries: Registries) -> list[Finding]:
        findings = credit_checks(case, registries)
        code = text(case.form, "business_division_code")
        if code and DIVISION_CODE.fullmatch(code):  # a malformed one is validate's form finding
            # The place of business must be a division the geography registry knows (GB/T 2260). An
            # outage (RegistryUnavailable) is not caught: the case waits for the registry instead.
            try:
                division = registries.division(code)
            except InvalidLookup:
                findings.append(Finding("division_code_invalid", DIVISION_CODE_INVALID, field=DIVISION_FIELD))
            else:
                if division is None:
                    findings.append(
                        Finding(
                            "division_unknown",
                            f"经营场所所在行政区划代码 {code} 在空间地理库中不存在",
                            field=DIVISION_FIELD,
                        )
                    )
        return findings

    def license_content(self, case: CaseView) -> LicenseContent:
        decided = case.decided_at
        return LicenseContent(
            fields={
                "name": text(case.form, "business_name"),
                "operator": case.applicant.name,
                "business_address": text(case.form, "business_address"),
                "business_scope": text(case.form, "business_scope"),
                "capital": case.form.get("capital"),
                "organization_form": "个人经营",
                "registered_on": decided.date().isoformat() if decided else None,
            },
            trust_level="A",
            valid_until=None,  # 个体工商户营业执照不设营业期限
        )
