"""The CloudEvents 1.0 envelope (structured JSON mode) used on every topic."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from gov_common.db import utcnow
from gov_common.tracing import TRACEPARENT, TRACESTATE, current_trace_headers

CONTENT_TYPE = JSONFormat.CONTENT_TYPE  # application/cloudevents+json
_format = JSONFormat()


class Topics:
    CASE = "gov.case.v1"
    LICENSE = "gov.license.v1"
    DATA = "gov.data.v1"
    # Revoked tokens, for every process's revocation list (gov_common.revocation); compacted.
    TOKEN = "gov.token.v1"  # noqa: S105 - a topic name, not a secret
    # The credit lists, one fact per subject, for service-management's read model; compacted.
    CREDIT = "gov.credit.v1"

    @staticmethod
    def dead_letter(topic: str) -> str:
        return f"{topic}.dlt"

    @staticmethod
    def department_cases(department_code: str) -> str:
        """One department's copy of the case events its business system handles (dispatch and clock),
        so that a department's system reads its own cases only, not every department's traffic on
        gov.case.v1 (docs/messaging.md, "Department topics"). Catalogue department codes are
        `[A-Za-z0-9_-]{1,64}`, all valid in a topic name."""
        return f"gov.case.dept.{department_code}.v1"


# gov.credit.v1: compacted, and its segments rolled hourly so that compaction leaves one heartbeat,
# not days of them, for a reader that starts from the beginning.
CREDIT_TOPIC_CONFIG = {"cleanup.policy": "compact", "segment.ms": str(3600 * 1000)}


class EventTypes:
    CASE_SUBMITTED = "gov.case.submitted"
    CASE_DISPATCHED = "gov.case.dispatched"
    CASE_APPROVED = "gov.case.approved"
    CASE_DENIED = "gov.case.denied"
    CASE_CONCLUDED = "gov.case.concluded"
    # A department's review progress and the case clock (docs/parallel-work.md, contract 3).
    CASE_STEP_COMPLETED = "gov.case.step_completed"
    CASE_SENT_BACK = "gov.case.sent_back"
    CASE_CLOCK_CHANGED = "gov.case.clock_changed"
    LICENSE_ISSUED = "gov.license.issued"
    # A licence's life after issue (docs/data-sharing.md).
    LICENSE_REVOKED = "gov.license.revoked"
    LICENSE_CANCELLED = "gov.license.cancelled"
    LICENSE_EXPIRED = "gov.license.expired"
    # A held licence nears its end: service-management reminds its holder (docs/personal-services.md).
    LICENSE_EXPIRING = "gov.license.expiring"
    # Intake's answers, for the applicant's notifications (docs/parallel-work-ui.md, contract 1).
    CASE_ACCEPTED = "gov.case.accepted"
    CASE_SUPPLEMENT_REQUESTED = "gov.case.supplement_requested"
    CASE_REJECTED = "gov.case.rejected"
    # Tokens of an account, an application or an acting standing that are no longer valid (docs/identity.md).
    TOKEN_REVOKED = "gov.token.revoked"  # noqa: S105 - an event type, not a secret
    # A service read personal data it holds a copy of (service-management's credit read model): data-sharing
    # records it in the audit log, where the person sees who read their data (docs/audit.md).
    DATA_READ = "gov.data.read"
    # A subject's credit records now (keyed by subject) and data-sharing's heartbeat on gov.credit.v1
    # (docs/data-sharing.md, "The credit feed").
    CREDIT_STATUS = "gov.credit.status"
    CREDIT_HEARTBEAT = "gov.credit.heartbeat"


def applicant_data(*, type: str, id_number: str, name: str) -> dict[str, str]:
    """Who a case event is about, as every case event carries it: `{"type", "id_number"|"uscc", "name"}`
    (a natural person by resident ID number, a legal person by unified social credit code)."""
    key = "uscc" if type == "entity" else "id_number"
    return {"type": type, key: id_number, "name": name}


class EventFormatError(ValueError):
    """Bytes on a topic that are not a CloudEvents envelope of ours."""


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    source: str
    subject: str
    time: datetime
    data: dict[str, Any]
    # The CloudEvents distributed-tracing extension: the W3C context of the request or handler that made
    # the event (gov_common.tracing), so that its consumers continue that trace.
    traceparent: str | None = None
    tracestate: str | None = None
    # The schema of `data`: its message in the AsyncAPI document (gov_common.contracts.events).
    dataschema: str | None = None

    @classmethod
    def new(cls, *, type: str, source: str, subject: str, data: dict[str, Any], dataschema: str | None = None) -> Event:
        traceparent, tracestate = current_trace_headers()
        return cls(
            id=str(uuid.uuid4()),
            type=type,
            source=source,
            subject=subject,
            time=utcnow(),
            data=data,
            traceparent=traceparent,
            tracestate=tracestate,
            dataschema=dataschema,
        )

    def encode(self) -> bytes:
        attributes: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "specversion": "1.0",
            "datacontenttype": "application/json",
        }
        if self.traceparent:
            attributes[TRACEPARENT] = self.traceparent
            if self.tracestate:
                attributes[TRACESTATE] = self.tracestate
        if self.dataschema:
            attributes["dataschema"] = self.dataschema
        return _format.write(CloudEvent(attributes, self.data))

    @classmethod
    def decode(cls, raw: bytes) -> Event:
        try:
            ce = _format.read(None, raw)
        except Exception as exc:  # the SDK raises several types for malformed input
            raise EventFormatError(f"not a CloudEvents JSON envelope: {exc}") from exc
        data = ce.get_data()
        subject = ce.get_subject()
        time = ce.get_time()
        if not isinstance(data, dict) or subject is None or time is None:
            raise EventFormatError("event lacks a JSON object as data, a subject or a time")
        extensions = ce.get_attributes()
        traceparent, tracestate = extensions.get(TRACEPARENT), extensions.get(TRACESTATE)
        dataschema = extensions.get("dataschema")
        return cls(
            id=ce.get_id(),
            type=ce.get_type(),
            source=ce.get_source(),
            subject=subject,
            time=time,
            data=data,
            traceparent=traceparent if isinstance(traceparent, str) else None,
            tracestate=tracestate if isinstance(tracestate, str) and isinstance(traceparent, str) else None,
            dataschema=dataschema if isinstance(dataschema, str) else None,
        )
