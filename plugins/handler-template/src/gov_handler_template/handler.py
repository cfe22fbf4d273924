"""An example item handler: 户外广告设施设置许可 (outdoor advertising permit), a fictional item
`EXAMPLE-XK-0001` with the form fields `sign_text`, `location`, `area` (m²), `months` and, optionally,
`division_code` (the division the sign stands in, GB/T 2260).

Each method below shows one thing a handler can do; delete what your item does not need — the
base class then does nothing extra (validate, registry_checks) or issues the form as the licence
(license_content).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
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

MAX_AREA = 50  # m²
MAX_MONTHS = 36


class ExampleHandler(ItemHandler):
    # The item codes this handler serves, exactly as in the catalogue. A deployment refuses to start
    # if two loaded handlers claim the same code.
    item_codes = ("EXAMPLE-XK-0001",)
    description = "模板示例: 户外广告设施设置许可"

    def validate(self, form: Mapping[str, Any], applicant: ApplicantView) -> list[FieldError]:
        """Runs when the case arrives. Name the field as `form.<name>`; say what is wrong in Chinese,
        for the reviewer who reads it."""
        errors: list[FieldError] = []
        text = form.get("sign_text")
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= 100:
            errors.append(FieldError("form.sign_text", "广告内容应为1至100个字符"))
        area = form.get("area")
        if not isinstance(area, int | float) or isinstance(area, bool) or not 0 < area <= MAX_AREA:
            errors.append(FieldError("form.area", f"设施面积应大于0且不超过{MAX_AREA}平方米"))
        months = form.get("months")
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
            errors.append(FieldError("form.months", f"设置期限应为1至{MAX_MONTHS}个月"))
        return errors

    def registry_checks(self, case: CaseView, registries: Registries) -> list[Finding]:
        """Runs when the case arrives, after validate. A blocking finding keeps the case from instant
        approval and shows the reviewers why; a non-blocking one is a note for them.

        A live look-up has three outcomes besides its answer: `None` (there is no such record: a
        finding about the input), `InvalidLookup` (the registry refused the value as malformed: a
        finding about the input, naming its field) and `RegistryUnavailable` (data-sharing cannot
        be asked now). Never catch the last one: the business system then retries the case's
        arrival until the registry answers, so an outage never changes a decision."""
        findings: list[Finding] = []
        status = registries.credit(case.applicant.id_number)
        if status is None:
            findings.append(Finding("credit_unknown", "未能查询申请人信用状况", blocking=False))
        elif status.black_listed:
            findings.append(Finding("credit_black_listed", "申请人在失信名单上"))
        code = case.form.get("division_code")
        if isinstance(code, str) and code.strip():
            try:
                division = registries.division(code.strip())
            except InvalidLookup:
                findings.append(
                    Finding("division_code_invalid", "设施所在行政区划代码格式不正确", field="form.division_code")
                )
            else:
                if division is None:
                    findings.append(
                        Finding(
                            "division_unknown", f"行政区划代码 {code} 在空间地理库中不存在", field="form.division_code"
                        )
                    )
        return findings

    def license_content(self, case: CaseView) -> LicenseContent:
        """Runs at approval (case.decided_at is set): what the electronic licence says, how far it
        can be trusted (A–D) and until when it is valid (None: no end)."""
        months = int(case.form.get("months") or 1)
        decided = case.decided_at
        return LicenseContent(
            fields={
                "holder": case.applicant.name,
                "sign_text": case.form.get("sign_text"),
                "location": case.form.get("location"),
                "area": case.form.get("area"),
            },
            trust_level="A",
            valid_until=decided + timedelta(days=30 * months) if decided else None,
        )
