"""The events service-management emits on gov.case.v1, besides those named in gov_common.events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gov_common.events import Event, Topics
from gov_common.messaging import emit

SOURCE = "/service-management"
CASE_CLOCK_CHANGED = "gov.case.clock_changed"
CASE_TIME_WARNING = "gov.case.time_warning"
CASE_ESCALATED = "gov.case.escalated"
BUNDLE_CONCLUDED = "gov.bundle.concluded"
CASE_EVALUATED = "gov.case.evaluated"  # the applicant's rating (好差评), for the warehouse


def emit_case_event(session: Session, type: str, subject: str, data: dict[str, Any]) -> None:
    emit(session, Topics.CASE, Event.new(type=type, source=SOURCE, subject=subject, data=data))
