"""The events a department's review emits, through the outbox of the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from business_systems.chains.service import STEP_LABELS
from business_systems.models import ReviewAction, WorkItem
from gov_common.events import Event, EventTypes, Topics, applicant_data
from gov_common.messaging import emit


def _emit(session: Session, work: WorkItem, type: str, data: dict[str, Any]) -> None:
    emit(
        session,
        Topics.CASE,
        Event.new(
            type=type,
            source=f"/business-systems/{work.department_code}",
            subject=work.case_no,
            data={"case_no": work.case_no, "department_code": work.department_code, **data},
        ),
    )


def step_completed(session: Session, work: WorkItem, action: ReviewAction) -> None:
    _emit(
        session,
        work,
        EventTypes.CASE_STEP_COMPLETED,
        {
            "step": action.step_name,
            "step_no": action.step_no,
            "step_label": STEP_LABELS.get(action.step_name, action.step_name),
            "steps_total": len(work.chain),
            "action": action.action,
            "by": action.by_name,
            "by_username": action.by_username,
            "opinion": action.opinion,
            "at": action.at.isoformat(),
        },
    )


def sent_back(session: Session, work: WorkItem, action: ReviewAction, to_step: dict[str, Any]) -> None:
    _emit(
        session,
        work,
        EventTypes.CASE_SENT_BACK,
        {
            "step": action.step_name,
            "step_no": action.step_no,
            "to_step": to_step["name"],
            "to_step_no": action.sent_back_to,
            "by": action.by_name,
            "by_username": action.by_username,
            "reason": action.opinion,
            "at": action.at.isoformat(),
        },
    )


def decided(session: Session, work: WorkItem) -> None:
    approved = work.status == "approved"
    assert work.decided_at is not None
    data: dict[str, Any] = {
        "item_code": work.item_code,
        "decided_by": work.decided_by,
        "opinion": work.opinion,
        "automated": work.automated,
        "decided_at": work.decided_at.isoformat(),
        # Whose case, for what: the applicant's notifications need both (docs/parallel-work-ui.md, contract 1).
        "item": {"code": work.item_code, "name": work.item_name},
        "applicant": applicant_data(
            type=str(work.applicant.get("type") or "person"),
            id_number=str(work.applicant.get("id_number") or ""),
            name=str(work.applicant.get("name") or ""),
        ),
    }
    if approved:
        if work.license_spec and work.license_content is not None:
            data["license"] = {
                **work.license_spec,
                "holder": {
                    "id_number": work.applicant.get("id_number"),
                    "name": work.applicant.get("name"),
                    "type": work.applicant.get("type"),
                },
                "fields": work.license_content["fields"],
                "trust_level": work.license_content["trust_level"],
                "valid_until": work.license_content["valid_until"],
                "issuer_department": work.department_code,
            }
        if work.automated:
            data["rule"] = {"version": work.rule_version, "inputs": work.rule_inputs}
    _emit(session, work, EventTypes.CASE_APPROVED if approved else EventTypes.CASE_DENIED, data)
