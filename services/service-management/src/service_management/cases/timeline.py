"""A case's statuses and its timeline of who moved it where."""

from __future__ import annotations

import datetime as dt

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
    case.status = status
    case.timeline.append(CaseStep(status=status, actor=actor, note=note, at=at or utcnow()))
