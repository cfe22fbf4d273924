"""Supervision (效能监察): the scan that raises yellow/red alerts and escalates overrun states, and
the performance figures (绩效考核)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common.auth import Principal, Roles
from gov_common.contracts.events import CaseEscalated, CaseTimeWarning
from gov_common.errors import Forbidden, InvalidField
from gov_common.pagination import PageRequest
from gov_common.workdays import LOCAL_ZONE
from service_management.events import emit_event
from service_management.models import Case, CaseState, Evaluation, SupervisionAlert
from service_management.supervision import clock
from service_management.supervision.calendar import load_calendar
from service_management.tabular import csv_cell

log = logging.getLogger("service_management.supervision")
YELLOW_SHARE = 0.8
OPEN = ("submitted", "supplement_requested", "accepted", "dispatched", "approved")


@dataclass(frozen=True)
class ScanResult:
    yellow: int = 0
    red: int = 0
    escalated: int = 0


def _raise(session: Session, alert: SupervisionAlert) -> bool:
    """Insert once: the unique (case_no, kind, state) makes a second scan (or replica) harmless."""
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
        return True
    except IntegrityError:
        return False


def scan(session: Session, *, now: dt.datetime) -> ScanResult:
    calendar = load_calendar(session)
    yellow = red = escalated = 0
    running = session.scalars(
        select(Case).where(Case.status.in_(OPEN), Case.clock_state == clock.Clock.RUNNING, Case.due_at.is_not(None))
    ).all()
    for case in running:
        share = clock.elapsed_share(case, calendar, now)
        overdue = case.due_at is not None and now > case.due_at
        levels: tuple[tuple[Literal["red", "yellow"], bool], ...] = (
            ("red", overdue),
            ("yellow", share >= YELLOW_SHARE or overdue),
        )
        for level, due in levels:
            if not due:
                continue
            alert = SupervisionAlert(
                case_no=case.case_no,
                department_code=case.department_code,
                item_code=case.item_code,
                kind=level,
                state="",
                due_at=case.due_at,
                raised_at=now,
            )
            if _raise(session, alert):
                emit_event(
                    session,
                    CaseTimeWarning(
                        case_no=case.case_no,
                        department_code=case.department_code,
                        item_code=case.item_code,
                        level=level,
                        due_at=case.due_at,
                        remaining_working_days=clock.remaining(case, calendar, now),
                    ),
                    subject=case.case_no,
                )
                if level == "red":
                    red += 1
                else:
                    yellow += 1
    overrun = session.execute(
        select(CaseState, Case)
        .join(Case, Case.id == CaseState.case_id)
        .where(
            CaseState.left_at.is_(None),
            CaseState.escalated_at.is_(None),
            CaseState.due_at.is_not(None),
            CaseState.due_at < now,
            Case.clock_state == clock.Clock.RUNNING,  # a paused case waits for its applicant
        )
    ).all()
    for state, case in overrun:
        state.escalated_at = now
        alert = SupervisionAlert(
            case_no=case.case_no,
            department_code=case.department_code,
            item_code=case.item_code,
            kind="state_overdue",
            state=state.state,
            due_at=state.due_at,
            raised_at=now,
        )
        if _raise(session, alert):
            escalated += 1
            emit_event(
                session,
                CaseEscalated(
                    case_no=case.case_no,
                    department_code=case.department_code,
                    item_code=case.item_code,
                    state=state.state,
                    state_name=state.name,
                    due_at=state.due_at,
                    escalated_to="department_admin",
                ),
                subject=case.case_no,
            )
    if yellow or red or escalated:
        log.info("supervision scan: %d yellow, %d red, %d escalated", yellow, red, escalated)
    return ScanResult(yellow=yellow, red=red, escalated=escalated)


def list_alerts(
    session: Session, *, principal: Principal, page: PageRequest, kind: str | None
) -> tuple[list[SupervisionAlert], int]:
    query = select(SupervisionAlert)
    if not principal.has_role(Roles.ADMIN):
        if not principal.has_role(Roles.DEPARTMENT_ADMIN) or not principal.department:
            raise Forbidden("仅部门管理员和系统管理员可以查看督办预警")
        query = query.where(SupervisionAlert.department_code == principal.department)
    if kind:
        query = query.where(SupervisionAlert.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(SupervisionAlert.id.desc()).offset(page.offset).limit(page.page_size)).all()
    return list(rows), total


@dataclass
class Figures:
    key: str
    volume: int = 0
    finished: int = 0
    concluded: int = 0
    on_time: int = 0
    on_time_rate: float | None = None
    average_days: float | None = None
    approvals: int = 0
    instant_approvals: int = 0
    instant_share: float | None = None
    evaluations: int = 0
    satisfaction: float | None = None


def performance(session: Session, *, principal: Principal, start: dt.date, end: dt.date, by: str) -> list[Figures]:
    """Per department or item, over cases filed in [start, end] (dates in Asia/Shanghai)."""
    if end < start:
        raise InvalidField("to", "结束日期早于开始日期")
    if not principal.has_role(Roles.ADMIN, Roles.DEPARTMENT_ADMIN):
        raise Forbidden("仅系统管理员和部门管理员可以查看绩效数据")
    lower = dt.datetime.combine(start, dt.time(0), tzinfo=LOCAL_ZONE)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_ZONE)
    query = select(Case).where(Case.created_at >= lower, Case.created_at < upper)
    if not principal.has_role(Roles.ADMIN):
        query = query.where(Case.department_code == principal.department)
    figures: dict[str, Figures] = {}
    durations: dict[str, list[float]] = {}
    for case in session.scalars(query).all():
        key = case.department_code if by == "department" else case.item_code
        f = figures.setdefault(key, Figures(key=key))
        f.volume += 1
        ended = case.status in ("concluded", "denied", "rejected") and case.concluded_at is not None
        if ended and case.concluded_at is not None:
            f.finished += 1
            durations.setdefault(key, []).append((case.concluded_at - case.created_at).total_seconds() / 86400)
            if case.due_at is None or case.concluded_at <= case.due_at:
                f.on_time += 1
        if case.status == "concluded":
            f.concluded += 1
        if case.status == "concluded" or case.instant_approved:
            f.approvals += 1
            f.instant_approvals += 1 if case.instant_approved else 0
    ratings = session.execute(
        select(Evaluation.department_code, Evaluation.item_code, Evaluation.rating)
        .join(Case, Case.id == Evaluation.case_id)
        .where(Case.created_at >= lower, Case.created_at < upper)
    ).all()
    scores: dict[str, list[int]] = {}
    for row in ratings:
        key = row.department_code if by == "department" else row.item_code
        if key in figures:
            scores.setdefault(key, []).append(row.rating)
    for key, f in figures.items():
        f.on_time_rate = round(f.on_time / f.finished, 4) if f.finished else None
        f.average_days = round(sum(durations[key]) / len(durations[key]), 3) if durations.get(key) else None
        f.instant_share = round(f.instant_approvals / f.approvals, 4) if f.approvals else None
        if scores.get(key):
            f.evaluations = len(scores[key])
            f.satisfaction = round(sum(scores[key]) / len(scores[key]), 3)
    return [figures[k] for k in sorted(figures)]


def performance_csv(rows: list[Figures], *, by: str) -> str:
    out = io.StringIO()
    fields = list(asdict(Figures(key="")).keys())
    writer = csv.DictWriter(out, fieldnames=[by, *fields[1:]])
    writer.writeheader()
    for row in rows:
        values: dict[str, Any] = asdict(row)
        values[by] = values.pop("key")
        writer.writerow({name: csv_cell(value) for name, value in values.items()})
    return out.getvalue()
