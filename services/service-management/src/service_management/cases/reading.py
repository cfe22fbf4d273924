"""What a case's reader (its applicant, the clerk, its department) is told beside its status:
its rating and its supplement requests."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service_management.cases.schemas import CaseEvaluationOut, MaterialAsked, SupplementRequestOut
from service_management.evaluation.schemas import LEVELS
from service_management.models import Case, Evaluation, Item, SupplementRequest


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
