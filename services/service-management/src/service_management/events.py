"""How service-management emits its events: the model of the event's data (gov_common.contracts.events),
through the outbox of the caller's transaction, on the model's topic."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gov_common.contracts.events import (
    BundleConcluded,
    CaseClockChanged,
    CaseEscalated,
    CaseEvaluated,
    CaseTimeWarning,
    EventData,
)
from gov_common.messaging import emit

SOURCE = "/service-management"
# Its types besides those named in gov_common.events.EventTypes.
CASE_CLOCK_CHANGED = CaseClockChanged.TYPE
CASE_TIME_WARNING = CaseTimeWarning.TYPE
CASE_ESCALATED = CaseEscalated.TYPE
BUNDLE_CONCLUDED = BundleConcluded.TYPE
CASE_EVALUATED = CaseEvaluated.TYPE  # the applicant's rating (好差评), for the warehouse


def emit_event(session: Session, data: EventData, *, subject: str) -> None:
    """Record the event carrying `data` (its type and topics are the model's: a dispatch or clock event
    goes on its department's topic too, the same event), keyed by `subject`."""
    emit(session, data.topics(), data.to_event(source=SOURCE, subject=subject))
