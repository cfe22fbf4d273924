"""Evaluations (好差评): one rating per ended case by its applicant; a rating of 2 or below opens a
rectification task (整改) for the department with a deadline in working days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from gov_common.auth import Principal, Roles
from gov_common.contracts.events import CaseEvaluated
from gov_common.db import utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound
from gov_common.pagination import PageRequest
from gov_common.workdays import local_date
from service_management.cases.schemas import LEVELS
from service_management.cases.service import get_visible_case, mine
from service_management.cases.timeline import TERMINAL
from service_management.events import emit_event
from service_management.models import Case, Evaluation, Rectification
from service_management.supervision.calendar import load_calendar

RECTIFICATION_DAYS = 5
BAD = 2


def evaluate(
    session: Session,
    *,
    principal: Principal,
    case_no: str,
    rating: int,
    tags: list[str],
    comment: str,
    reasons: list[str] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Evaluation, Rectification | None]:
    now = now or utcnow()
    case = get_visible_case(session, principal=principal, case_no=case_no)
    if not principal.is_applicant:
        raise Forbidden("仅申请人可以评价办件", code="evaluation_applicant_only")
    if case.status not in TERMINAL:
        raise Conflict(f"办件 {case_no} 尚未办结，办结后方可评价", field="case_no", code="case_not_ended")
    if session.scalars(select(Evaluation.id).where(Evaluation.case_id == case.id)).first() is not None:
        raise Conflict(f"办件 {case_no} 已评价", field="case_no", code="case_already_rated")
    reasons = list(dict.fromkeys(reasons or []))  # each once, in the order picked
    if rating <= BAD and not reasons:
        raise InvalidField("reasons", "差评请至少选择一项原因", code="reasons_required")
    if rating > BAD and reasons:
        raise InvalidField("reasons", "只有“不满意”和“非常不满意”需要选择原因", code="reasons_not_for_rating")
    evaluation = Evaluation(
        case_id=case.id,
        item_code=case.item_code,
        department_code=case.department_code,
        applicant_sub=principal.sub,
        rating=rating,
        tags=tags,
        reasons=reasons,
        comment=comment,
        created_at=now,
    )
    session.add(evaluation)
    session.flush()
    # For the warehouse (data-sharing, docs/warehouse.md): satisfaction by item and channel.
    emit_event(
        session,
        CaseEvaluated(
            case_no=case.case_no,
            item_code=case.item_code,
            department_code=case.department_code,
            channel=case.channel,
            rating=rating,
            evaluated_at=now,
        ),
        subject=case.case_no,
    )
    rectification = None
    if rating <= BAD:
        deadline = load_calendar(session).add_working_days(local_date(now), RECTIFICATION_DAYS)
        rectification = Rectification(
            evaluation_id=evaluation.id,
            case_no=case.case_no,
            department_code=case.department_code,
            deadline=deadline,
            status="open",
            created_at=now,
        )
        session.add(rectification)
        session.flush()
    return evaluation, rectification


def list_awaiting(session: Session, *, principal: Principal, page: PageRequest) -> tuple[list[Case], int]:
    """The caller's ended cases not rated yet (待评价), newest first: what the 好差评 entry leads to."""
    if not principal.is_applicant:
        raise Forbidden("仅申请人可以评价办件", code="evaluation_applicant_only")
    rated = exists().where(Evaluation.case_id == Case.id)
    query = select(Case).where(mine(principal), Case.status.in_(sorted(TERMINAL)), ~rated)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = session.scalars(query.order_by(Case.id.desc()).offset(page.offset).limit(page.page_size)).all()
    return list(cases), total


def level(rating: int) -> str:
    return LEVELS[rating]


def list_rectifications(
    session: Session, *, principal: Principal, page: PageRequest, status: str | None, department: str | None = None
) -> tuple[list[tuple[Rectification, Evaluation]], int]:
    """An administrator sees every department's tasks (or one's, with `department`); a department's
    admin or reviewer only their own, and asking for another department is refused."""
    query = select(Rectification, Evaluation).join(Evaluation, Evaluation.id == Rectification.evaluation_id)
    if not principal.has_role(Roles.ADMIN):
        if not principal.has_role(Roles.DEPARTMENT_ADMIN, Roles.REVIEWER) or not principal.department:
            raise Forbidden("仅部门工作人员和管理员可以查看整改任务")
        if department and department != principal.department:
            raise Forbidden(
                f"您只能查看本部门（{principal.department}）的整改任务",
                field="department",
                code="other_department",
            )
        department = principal.department
    if department:
        query = query.where(Rectification.department_code == department)
    if status:
        query = query.where(Rectification.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Rectification.id).offset(page.offset).limit(page.page_size)).all()
    return [(r[0], r[1]) for r in rows], total


def complete_rectification(
    session: Session, *, principal: Principal, rectification_id: int, response: str
) -> tuple[Rectification, Evaluation]:
    task = session.get(Rectification, rectification_id)
    if task is None or not (principal.has_role(Roles.ADMIN) or principal.department == task.department_code):
        raise NotFound(f"未找到整改任务 {rectification_id}", field="id")
    if not principal.has_role(Roles.ADMIN, Roles.DEPARTMENT_ADMIN):
        raise Forbidden("仅部门管理员可以办结整改任务")
    if task.status == "done":
        raise Conflict(f"整改任务 {rectification_id} 已办结")
    task.status = "done"
    task.response = response
    task.completed_by = principal.name
    task.completed_at = utcnow()
    evaluation = session.get(Evaluation, task.evaluation_id)
    assert evaluation is not None  # a task is opened by its evaluation (foreign key)
    return task, evaluation


def satisfaction(session: Session, *, item_code: str) -> dict[str, object]:
    rows = session.execute(
        select(Evaluation.rating, func.count()).where(Evaluation.item_code == item_code).group_by(Evaluation.rating)
    ).all()
    counts = {int(r[0]): int(r[1]) for r in rows}
    total = sum(counts.values())
    return {
        "item_code": item_code,
        "evaluations": total,
        "average": round(sum(k * v for k, v in counts.items()) / total, 3) if total else None,
        "satisfied_share": round((counts.get(4, 0) + counts.get(5, 0)) / total, 4) if total else None,
        "distribution": {LEVELS[k]: counts.get(k, 0) for k in sorted(LEVELS, reverse=True)},
    }
