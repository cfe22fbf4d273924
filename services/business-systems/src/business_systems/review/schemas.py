from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from business_systems.chains.schemas import StepOut
from business_systems.chains.service import STEP_LABELS, steps_out
from business_systems.files.schemas import AttachmentOut
from business_systems.models import ReviewAction, WorkItem
from gov_common.db import utcnow


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "deny"]
    opinion: str = Field(min_length=1, max_length=2000)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: int = Field(ge=1, le=3, description="the step acted on: the case's current step")
    action: Literal["pass", "send_back", "approve", "deny"] = Field(
        description="pass on to the next step, send back to the previous one, or (last step) approve or deny"
    )
    opinion: str = Field(min_length=1, max_length=2000, description="the opinion; for a send-back, the reason")


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    step_no: int
    step_name: str
    role: str
    action: str
    by: str = Field(validation_alias="by_name", description="the person's display name")
    by_username: str | None = Field(
        description="the account's user name (null for actions recorded before it was kept)"
    )
    opinion: str
    sent_back_to: int | None
    at: datetime


class ClockOut(BaseModel):
    """The case's clock as service-management last reported it; null where it reported nothing."""

    due_at: datetime | None
    paused: bool
    remaining_working_days: int | None
    remaining_seconds: int | None
    overdue: bool
    updated_at: datetime | None


class MaterialOut(BaseModel):
    """A material as dispatched: a file at service-management, a licence, or paper a window clerk confirmed."""

    code: str
    name: str | None = None
    file_id: str | None = None
    license_no: str | None = None
    paper_received: bool = Field(
        default=False, description="a window clerk saw the paper original / received the paper copy"
    )
    paper_received_by: str | None = Field(
        default=None, description="the clerk who confirmed it, when the dispatched event names them"
    )

    @classmethod
    def of(cls, material: dict[str, Any]) -> MaterialOut:
        paper = material.get("paper_received") is True
        by = material.get("provided_by") if paper else None
        return cls(
            code=str(material.get("code") or ""),
            name=material.get("name") if isinstance(material.get("name"), str) else None,
            file_id=material.get("file_id") if isinstance(material.get("file_id"), str) else None,
            license_no=material.get("license_no") if isinstance(material.get("license_no"), str) else None,
            paper_received=paper,
            paper_received_by=by if isinstance(by, str) and by else None,
        )


class CurrentStepOut(StepOut):
    total: int


class WorkItemBase(BaseModel):
    """The fields a work item has had since the walking skeleton; lists and detail both carry them."""

    case_no: str
    department_code: str
    item_code: str
    item_version: int = Field(description="the version of the item the case was filed under")
    item_name: str
    committed_days: int | None = Field(
        description="the committed time limit in working days the case was filed with (null: not reported)"
    )
    applicant: dict[str, Any]
    form: dict[str, Any]
    status: str
    automated: bool
    rule_version: int | None
    rule_inputs: dict[str, Any] | None
    rule_output: dict[str, Any] | None
    decided_by: str | None
    opinion: str | None
    received_at: datetime
    decided_at: datetime | None


class WorkItemSummary(WorkItemBase):
    step: CurrentStepOut | None
    clock: ClockOut
    last_action: ActionOut | None
    blocking_findings: int


class FindingOut(BaseModel):
    kind: Literal["form", "registry", "handler"]
    field: str | None
    code: str
    message: str
    blocking: bool


class WorkItemOut(WorkItemBase):
    materials: list[MaterialOut]
    bundle: dict[str, Any] | None
    handler: str
    findings: list[FindingOut]
    chain: list[StepOut]
    chain_version: int
    current_step: int | None
    actions: list[ActionOut]
    clock: ClockOut
    license_content: dict[str, Any] | None
    attachments: list[AttachmentOut]


class DoneOut(BaseModel):
    case: WorkItemSummary
    my_last_action: ActionOut


class StepLoadOut(BaseModel):
    step: str
    label: str
    waiting: int
    overdue: int


class DecisionOut(BaseModel):
    case_no: str
    status: str
    current_step: int | None = None


def clock_of(work: WorkItem, now: datetime | None = None) -> ClockOut:
    now = now or utcnow()
    remaining = int((work.due_at - now).total_seconds()) if work.due_at is not None else None
    return ClockOut(
        due_at=work.due_at,
        paused=work.clock_paused,
        remaining_working_days=work.remaining_working_days,
        remaining_seconds=remaining,
        overdue=work.status == "pending" and not work.clock_paused and remaining is not None and remaining < 0,
        updated_at=work.clock_updated_at,
    )


def _action(action: ReviewAction | None) -> ActionOut | None:
    return ActionOut.model_validate(action) if action is not None else None


def summary_of(work: WorkItem) -> WorkItemSummary:
    step = None
    if work.current_step is not None:
        current = work.chain[work.current_step - 1]
        step = CurrentStepOut(
            no=work.current_step,
            name=current["name"],
            label=STEP_LABELS.get(current["name"], current["name"]),
            role=current["role"],
            total=len(work.chain),
        )
    return WorkItemSummary(
        **_base(work),
        step=step,
        clock=clock_of(work),
        last_action=_action(work.actions[-1] if work.actions else None),
        blocking_findings=sum(1 for f in work.findings if f.get("blocking")),
    )


def _base(work: WorkItem) -> dict[str, Any]:
    return {name: getattr(work, name) for name in WorkItemBase.model_fields}


def detail_of(work: WorkItem) -> WorkItemOut:
    return WorkItemOut(
        **_base(work),
        materials=[MaterialOut.of(m) for m in work.materials or [] if isinstance(m, dict)],
        bundle=work.bundle,
        handler=work.handler,
        findings=[FindingOut.model_validate(f) for f in work.findings],
        chain=steps_out(work.chain),
        chain_version=work.chain_version,
        current_step=work.current_step,
        actions=[ActionOut.model_validate(a) for a in work.actions],
        clock=clock_of(work),
        license_content=work.license_content,
        attachments=[AttachmentOut.model_validate(a) for a in work.attachments],
    )
