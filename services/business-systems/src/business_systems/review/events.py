"""The events a department's review emits, through the outbox of the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from business_systems.chains.service import STEP_LABELS
from business_systems.models import ReviewAction, WorkItem
from gov_common.contracts.events import (
    Applicant,
    CaseApproved,
    CaseDenied,
    CaseSentBack,
    CaseStepCompleted,
    EventData,
    ItemRef,
    LicenseHolder,
    LicenseToIssue,
    RuleApplied,
)
from gov_common.messaging import emit


def _emit(session: Session, work: WorkItem, data: EventData) -> None:
    emit(session, data.TOPIC, data.to_event(source=f"/business-systems/{work.department_code}", subject=work.case_no))


def step_completed(session: Session, work: WorkItem, action: ReviewAction) -> None:
    _emit(
        session,
        work,
        CaseStepCompleted(
            case_no=work.case_no,
            department_code=work.department_code,
            step=action.step_name,
            step_no=action.step_no,
            step_label=STEP_LABELS.get(action.step_name, action.step_name),
            steps_total=len(work.chain),
            action=action.action,
            by=action.by_name,
            by_username=action.by_username,
            opinion=action.opinion,
            at=action.at,
        ),
    )


def sent_back(session: Session, work: WorkItem, action: ReviewAction, to_step: dict[str, Any]) -> None:
    _emit(
        session,
        work,
        CaseSentBack(
            case_no=work.case_no,
            department_code=work.department_code,
            step=action.step_name,
            step_no=action.step_no,
            to_step=to_step["name"],
            to_step_no=action.sent_back_to,
            by=action.by_name,
            by_username=action.by_username,
            reason=action.opinion,
            at=action.at,
        ),
    )


def _license(work: WorkItem) -> LicenseToIssue | None:
    """What the approval asks the licence library to issue: the item's licence with the content the
    item's handler decided (`license_content`), for the applicant."""
    if not work.license_spec or work.license_content is None:
        return None
    spec = work.license_spec
    return LicenseToIssue(
        type=spec["type"],
        name=spec.get("name"),
        holder=LicenseHolder(
            id_number=str(work.applicant.get("id_number") or ""),
            name=str(work.applicant.get("name") or ""),
            type=work.applicant.get("type"),
        ),
        fields=work.license_content["fields"],
        trust_level=work.license_content["trust_level"],
        valid_until=work.license_content["valid_until"],
        issuer_department=work.department_code,
    )


def decided(session: Session, work: WorkItem) -> None:
    approved = work.status == "approved"
    assert work.decided_at is not None
    parties: dict[str, Any] = {
        "case_no": work.case_no,
        "department_code": work.department_code,
        "item_code": work.item_code,
        "decided_by": work.decided_by,
        "opinion": work.opinion,
        "automated": work.automated,
        "decided_at": work.decided_at,
        # Whose case, for what: the applicant's notifications need both (docs/parallel-work-ui.md, contract 1).
        "item": ItemRef(code=work.item_code, name=work.item_name),
        "applicant": Applicant.named(
            type=str(work.applicant.get("type") or "person"),
            number=str(work.applicant.get("id_number") or ""),
            name=str(work.applicant.get("name") or ""),
        ),
    }
    if not approved:
        _emit(session, work, CaseDenied(**parties))
        return
    rule = RuleApplied(version=work.rule_version, inputs=work.rule_inputs or {}) if work.automated else None
    _emit(session, work, CaseApproved(**parties, license=_license(work), rule=rule))
