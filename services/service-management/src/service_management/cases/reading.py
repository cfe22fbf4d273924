"""What a case's reader (its applicant, the clerk, its department) is told: the case in full (`case_detail`),
its rating and its supplement requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from gov_common.db import utcnow
from service_management.cases.materials import missing_materials
from service_management.cases.schemas import (
    LEVELS,
    CaseEvaluationOut,
    CaseMaterialOut,
    CaseOut,
    ClockOut,
    DecisionOut,
    MaterialAsked,
    ProgressEntry,
    StateOut,
    SupplementRequestOut,
    TimelineEntry,
)
from service_management.cases.timeline import TERMINAL, Status
from service_management.models import (
    BundleApplication,
    Case,
    CaseDecision,
    CaseMaterial,
    CaseProgress,
    CaseState,
    Evaluation,
    Item,
    SupplementRequest,
)
from service_management.supervision import clock
from service_management.supervision.calendar import load_calendar


def case_evaluation(session: Session, case: Case) -> CaseEvaluationOut | None:
    found = session.scalars(select(Evaluation).where(Evaluation.case_id == case.id)).first()
    if found is None:
        return None
    return CaseEvaluationOut(
        rating=found.rating,
        level=LEVELS[found.rating],
        tags=found.tags,
        reasons=found.reasons or [],
        comment=found.comment,
        at=found.created_at,
    )


def supplement_requests(session: Session, case: Case, item: Item) -> list[SupplementRequestOut]:
    """Every request, oldest first, each material named as the item version the case was filed under names it."""
    names = {m["code"]: m["name"] for m in item.materials}
    rows = session.scalars(
        select(SupplementRequest).where(SupplementRequest.case_id == case.id).order_by(SupplementRequest.id)
    ).all()
    return [
        SupplementRequestOut(
            materials=[MaterialAsked(code=code, name=names.get(code, code)) for code in r.materials],
            reason=r.reason,
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            due_date=r.due_date,
            supplied_by=r.supplied_by,
            supplied_at=r.supplied_at,
        )
        for r in rows
    ]


def case_detail(session: Session, case: Case) -> CaseOut:
    """Everything a case's reader sees of it: its timeline, progress, materials (and what is missing), decisions,
    clock, workflow states, bundle, rating and supplement requests — read here, once, for every page that shows a
    case (the applicant's, the clerk's, the department's)."""
    # Of the item version only what a reader is told of it (its guide, form and rule are large JSON).
    item = session.get_one(Item, case.item_id, options=[load_only(Item.name, Item.materials)])

    def rows(model: Any, order: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.case_id == case.id).order_by(order)).all())

    bundle = session.get(BundleApplication, case.bundle_id) if case.bundle_id else None
    # Working days left (clock.remaining): only a case with a due date needs the calendar.
    left = clock.remaining(case, load_calendar(session), utcnow()) if case.due_date is not None else None
    # Only an ended case can be rated (evaluation.service), and a supplement request always adds its step to
    # the timeline (intake.service.request_supplement): most reads need neither query.
    evaluation = case_evaluation(session, case) if case.status in TERMINAL else None
    asked = any(s.status == Status.SUPPLEMENT_REQUESTED for s in case.timeline)
    supplements = supplement_requests(session, case, item) if asked else []
    materials = rows(CaseMaterial, CaseMaterial.code)
    return CaseOut(
        case_no=case.case_no,
        item_code=case.item_code,
        item_version=case.item_version,
        item_name=item.name,
        department_code=case.department_code,
        channel=case.channel,
        status=case.status,
        applicant_name=case.applicant_name,
        applicant_id_number=case.applicant_id_number,
        applicant_type=case.applicant_type,
        acting_id_number=case.acting_id_number,
        acting_name=case.acting_name,
        form=case.form,
        timeline=[TimelineEntry.model_validate(s) for s in case.timeline],
        progress=[ProgressEntry.model_validate(p) for p in rows(CaseProgress, CaseProgress.id)],
        materials=[CaseMaterialOut.model_validate(m) for m in materials],
        missing_materials=[m["code"] for m in missing_materials(session, case=case, item=item, provided=materials)],
        decisions=[DecisionOut.model_validate(d) for d in rows(CaseDecision, CaseDecision.id)],
        clock=ClockOut(
            state=case.clock_state,
            limit_days=case.limit_days,
            started_at=case.clock_started_at,
            due_at=case.due_at,
            paused_at=case.paused_at,
            remaining_working_days=left,
        ),
        states=[StateOut.model_validate(s) for s in rows(CaseState, CaseState.id)],
        bundle_no=bundle.bundle_no if bundle else None,
        reason=case.reason,
        license_no=case.license_no,
        opinion=case.opinion,
        created_at=case.created_at,
        concluded_at=case.concluded_at,
        rated=evaluation is not None,
        evaluation=evaluation,
        supplement=next((r for r in supplements if r.supplied_at is None), None),
        supplements=supplements,
    )
