"""A case's statuses and its timeline of who moved it where."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import object_session

from gov_common.db import utcnow
from service_management.models import (
    Case,
    CaseStep,
)

# One statement object for every entry added without the ORM's unit of work (its values are parameters).
_INSERT_STEP = insert(cast(Table, CaseStep.__table__))

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
    (the event handlers: `load_case(..., timeline=False)`) gets the entry inserted at once with a Core
    statement, without reading the others first and without the ORM's unit of work (nothing reads the
    entry back as an object; its id still orders it after those before it)."""
    case.status = status
    session = object_session(case)
    if "timeline" in case.__dict__ or session is None or case.id is None:
        case.timeline.append(CaseStep(status=status, actor=actor, note=note, at=at or utcnow()))
    else:
        session.execute(
            _INSERT_STEP, {"case_id": case.id, "status": status, "actor": actor, "note": note, "at": at or utcnow()}
        )
