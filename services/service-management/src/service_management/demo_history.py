"""Demo history: concluded cases of the five months before the seed ran, so the supervision
dashboard (效能监察) has durations, on-time rates, satisfaction and a trend to show on a fresh
demo platform. Deterministic (a fixed random seed); inserted once (they are recognised by their
applicant); never in a deployment without the demo seed."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.workdays import LOCAL_ZONE
from service_management.models import Case, CaseStep, Evaluation, Item

HISTORY_APPLICANT = "demo-history"
MONTHS = 5
#  item code suffix → cases per month (the instant-approval items are decided within minutes)
VOLUME = {"AMR-XK-0001": 6, "AMR-XK-0002": 4, "PSB-XK-0001": 3, "HRSS-QR-0001": 3, "HRSS-GG-0001": 2}
NAMES = ["王芳", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴昊"]
HISTORY_ID_NUMBER = "330122199001010011"


def _first_of_month(day: dt.date, back: int) -> dt.date:
    month = day.month - back
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def seed_history(session: Session, *, now: dt.datetime) -> int:
    """Insert the history unless it is there; answers how many cases were inserted."""
    if session.scalars(select(Case.id).where(Case.applicant_sub == HISTORY_APPLICANT).limit(1)).first() is not None:
        return 0
    items = {i.code.split("-", 1)[1]: i for i in session.scalars(select(Item).where(Item.status == "published")).all()}
    rng = random.Random(20261205)
    today = now.astimezone(LOCAL_ZONE).date()
    inserted = 0
    for back in range(MONTHS, 0, -1):
        start = _first_of_month(today, back)
        days_in_month = (_first_of_month(today, back - 1) - start).days
        for suffix, per_month in VOLUME.items():
            item = items.get(suffix)
            if item is None:
                continue
            for n in range(per_month + rng.randint(0, 2)):
                filed = dt.datetime.combine(
                    start + dt.timedelta(days=rng.randrange(days_in_month)),
                    dt.time(9 + rng.randrange(8), rng.randrange(60)),
                    LOCAL_ZONE,
                ).astimezone(dt.UTC)
                instant = item.instant_approval and rng.random() < 0.8
                if instant:
                    took = dt.timedelta(minutes=rng.randint(1, 20))
                else:
                    # Mostly within the committed limit, a few late (the on-time rate is not 100%).
                    took = dt.timedelta(days=rng.uniform(1, item.committed_days * 1.6 + 2), hours=rng.randint(0, 6))
                denied = not instant and rng.random() < 0.12
                due = filed + dt.timedelta(days=item.committed_days * 7 / 5)
                concluded = filed + took
                case = Case(
                    case_no=f"{filed.astimezone(LOCAL_ZONE):%Y%m%d}0000{inserted:06d}",
                    item_id=item.id,
                    item_code=item.code,
                    item_version=item.version,
                    department_code=item.department_code,
                    applicant_sub=HISTORY_APPLICANT,
                    applicant_type="person",
                    applicant_id_number=HISTORY_ID_NUMBER,
                    applicant_name=NAMES[(inserted + n) % len(NAMES)],
                    channel="online" if rng.random() < 0.7 else "window",
                    form={},
                    status="denied" if denied else "concluded",
                    opinion="经审查，不符合许可条件" if denied else "准予许可",
                    created_at=filed,
                    updated_at=concluded,
                    concluded_at=concluded,
                    instant_approved=instant,
                    limit_days=item.committed_days,
                    clock_state="stopped",
                    clock_started_at=filed,
                    due_at=due,
                    due_date=due.astimezone(LOCAL_ZONE).date(),
                )
                case.timeline = [
                    CaseStep(status="submitted", at=filed, actor=case.applicant_name),
                    CaseStep(status="accepted", at=filed, actor="system"),
                    CaseStep(status=case.status, at=concluded, actor="instant approval" if instant else "department"),
                ]
                session.add(case)
                session.flush()
                if not denied and rng.random() < 0.6:
                    rating = rng.choices([5, 4, 3, 2], weights=[6, 3, 1, 0.5])[0]
                    session.add(
                        Evaluation(
                            case_id=case.id,
                            item_code=item.code,
                            department_code=item.department_code,
                            applicant_sub=HISTORY_APPLICANT,
                            rating=rating,
                            created_at=concluded + dt.timedelta(hours=2),
                        )
                    )
                inserted += 1
    return inserted
