"""A case's statuses and its timeline of who moved it where."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import object_session

from gov_common.db import utcnow
from service_management.models import (
    Case,
    CaseStep,
)

TERMINAL = frozenset({"concluded", "denied", "rejected"})


class Status:
    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    APPROVED = "approved"
    DENIED = "denied"
    REJECTED = "rejected"
    CONCLUDED = "concluded"


def step(case: Case, status: str, actor: str, note: str | None = None, at: dt.datetime | None = None) -> None:
    """Move the case to `status` and add the entry to its timeline. A case loaded without its timeline
    (the event handlers: `load_case(..., timeline=False)`) gets the entry added without reading the
    others first."""
    case.status = status
    entry = CaseStep(status=status, actor=actor, note=note, at=at or utcnow())
    session = object_session(case)
    if "timeline" in case.__dict__ or session is None or case.id is None:
        case.timeline.append(entry)
    else:
        entry.case_id = case.id
        session.add(entry)
