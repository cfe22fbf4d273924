"""居住证申领: an address is required, six months of residence, and the permit lasts a year."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from business_systems.handlers import ApplicantView, CaseView, FieldError, ItemHandler, LicenseContent


class ResidencePermitHandler(ItemHandler):
    item_codes = ("330122-PSB-XK-0001",)
    description = "居住证申领 (test package)"

    def validate(self, form: Mapping[str, Any], applicant: ApplicantView) -> list[FieldError]:
        months = form.get("residence_months")
        if not isinstance(months, int) or months < 6:
            return [FieldError("form.residence_months", "居住未满半年")]
        return []

    def license_content(self, case: CaseView) -> LicenseContent:
        assert case.decided_at is not None
        return LicenseContent(
            fields={"holder": case.applicant.name, "address": case.form.get("residence_address")},
            trust_level="B",
            valid_until=case.decided_at + timedelta(days=365),
        )
