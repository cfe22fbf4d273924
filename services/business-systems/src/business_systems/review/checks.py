"""Running the item's handler on a work item: the checks on arrival and the licence at approval."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from business_systems.handlers import ApplicantView, CaseView, ItemHandler, LicenseContent, Registries
from business_systems.models import WorkItem
from gov_common.errors import DomainError

log = logging.getLogger("business_systems.review")


class HandlerFailed(DomainError):
    """The item's handler raised; nothing was decided."""

    status, title = 500, "Item Handler Failed"


def applicant_view(applicant: dict[str, Any]) -> ApplicantView:
    return ApplicantView(
        sub=str(applicant.get("sub") or ""),
        type=str(applicant.get("type") or "person"),
        id_number=str(applicant.get("id_number") or ""),
        name=str(applicant.get("name") or ""),
        facts=dict(applicant.get("facts") or {}),
    )


def case_view(work: WorkItem, *, decided_at: datetime | None = None) -> CaseView:
    return CaseView(
        case_no=work.case_no,
        item_code=work.item_code,
        item_name=work.item_name,
        department_code=work.department_code,
        applicant=applicant_view(work.applicant),
        form=dict(work.form),
        materials=tuple(dict(m) for m in work.materials or []),
        decided_at=decided_at or work.decided_at,
    )


def dispatched_case_view(data: Mapping[str, Any]) -> CaseView:
    """A dispatched case as its work item will show it to the handler (`case_view`), from the event."""
    return CaseView(
        case_no=data["case_no"],
        item_code=data["item_code"],
        item_name=data.get("item_name", data["item_code"]),
        department_code=data["department_code"],
        applicant=applicant_view(data["applicant"]),
        form=dict(data.get("form") or {}),
        materials=tuple(dict(m) for m in data.get("materials") or []),
    )


def run_checks(handler_name: str, handler: ItemHandler, case: CaseView, registries: Registries) -> list[dict[str, Any]]:
    """What the handler finds on arrival, as stored on the work item. A handler that raises is
    itself a blocking finding: the case goes to people instead of the dead-letter topic."""
    findings: list[dict[str, Any]] = []
    try:
        for error in handler.validate(dict(case.form), case.applicant):
            findings.append(
                {"kind": "form", "field": error.field, "code": "invalid", "message": error.message, "blocking": True}
            )
        for finding in handler.registry_checks(case, registries):
            findings.append(
                {
                    "kind": "registry",
                    "field": finding.field,
                    "code": finding.code,
                    "message": finding.message,
                    "blocking": finding.blocking,
                }
            )
    except Exception as exc:
        log.exception("item handler %s failed on case %s", handler_name, case.case_no)
        findings.append(
            {
                "kind": "handler",
                "field": None,
                "code": "handler_error",
                "message": f"item handler {handler_name} failed: {exc}",
                "blocking": True,
            }
        )
    return findings


def license_content(handler_name: str, handler: ItemHandler, work: WorkItem, *, decided_at: datetime) -> LicenseContent:
    try:
        content = handler.license_content(case_view(work, decided_at=decided_at))
    except Exception as exc:
        log.exception("item handler %s failed to give the licence of case %s", handler_name, work.case_no)
        raise HandlerFailed(f"item handler {handler_name} failed to give the licence content: {exc}") from exc
    if content.trust_level not in ("A", "B", "C", "D"):
        raise HandlerFailed(f"item handler {handler_name} gave trust level {content.trust_level!r}; A to D expected")
    return content
