"""The data of every event type on the platform's topics, one pydantic model per type (docs/events.md).

A producer builds the model and emits it (`EventData.to_event`: its JSON, its CloudEvents `type` and
`dataschema`); a consumer reads it with the model of the type it handles (`Model.of(event)`). The
services' consumers (`gov_common.messaging.EventConsumer`) parse each event they handle once, before
its handler runs: an event that does not parse is refused, dead-lettered with the field named
(`refusal`), and the handler gets the parsed model (`TypedEvent`), not a second validation.

Compatibility: the field names are those on the topics before the models existed, a field that a
producer may leave out or send as null is optional, and times keep their ISO form on the wire
(`Moment`). Every model ignores fields it does not declare (`extra="ignore"`): a newer producer may add
a field without breaking an older consumer, which simply does not see it; a producer cannot send an
undeclared field by mistake either, since it builds the model (mypy checks its keyword arguments).
A change that removes or retypes a field is a new topic version, not an edit here.

The AsyncAPI document (`gov_common.contracts.asyncapi`) is generated from these models; each model's
docstring is its message's description there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    StrictInt,
    ValidationError,
    model_serializer,
)

from gov_common.events import Event, EventTypes, Topics

# The AsyncAPI document's `id`, an absolute URI that names it wherever it is served: the CloudEvents
# `dataschema` of each event is this URI with the fragment of its message (CloudEvents requires an
# absolute URI there; the services do not know the address the gateway is reached at, and an event
# outlives any one deployment's host name). The gateway serves the document at `/asyncapi.json`.
DOCUMENT_ID = "urn:gov-platform:events"


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


# A moment in time, on the wire as ISO 8601 exactly as before the models (`+00:00`, not `Z`).
Moment = Annotated[dt.datetime, PlainSerializer(_iso, return_type=str, when_used="json")]
ApplicantType = Literal["person", "entity"]


def _without_nulls(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """`data` without those of `keys` that are null: the fields of a shape a value does not have."""
    return {k: v for k, v in data.items() if v is not None or k not in keys}


class _Part(BaseModel):
    """A part of an event's data."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class EventData(_Part):
    """The data of one event type. `TYPE` is its CloudEvents type, `TOPIC` the topic it goes on."""

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    # Also sent on the topic of the department the data names (`Topics.department_cases`), the same event
    # (one id) after the same outbox row order: what that department's business system consumes.
    TO_DEPARTMENT: ClassVar[bool] = False

    def topics(self) -> list[str]:
        """The topics this event goes on: `TOPIC`, and its department's topic for a type sent there."""
        department = getattr(self, "department_code", None) if self.TO_DEPARTMENT else None
        return [self.TOPIC, Topics.department_cases(department)] if department else [self.TOPIC]

    @classmethod
    def dataschema(cls) -> str:
        """The CloudEvents `dataschema` of this type: its message in the AsyncAPI document."""
        return f"{DOCUMENT_ID}#/components/messages/{cls.__name__}"

    @classmethod
    def of(cls, event: Event) -> Self:
        """The event's data as this model: the one its consumer parsed already (`TypedEvent`), else
        parsed now (raises pydantic's ValidationError for data that does not fit)."""
        payload = event.payload if isinstance(event, TypedEvent) else None
        if isinstance(payload, cls):
            return payload
        return cls.model_validate(event.data)

    def to_event(self, *, source: str, subject: str) -> Event:
        """The CloudEvent that carries this data (a new id, the time now)."""
        return Event.new(
            type=self.TYPE,
            source=source,
            subject=subject,
            data=self.model_dump(mode="json"),
            dataschema=self.dataschema(),
        )


@dataclasses.dataclass(frozen=True)
class TypedEvent(Event):
    """An event whose data its consumer has parsed with the model of its type (`payload`)."""

    payload: EventData | None = None

    @classmethod
    def carrying(cls, event: Event, payload: EventData) -> TypedEvent:
        fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.init}
        return cls(**{**fields, "payload": payload})


# ---------------------------------------------------------------------------------------------
# Parts


class Applicant(_Part):
    """Whose case it is: a natural person by resident ID number (`id_number`) or a legal person by
    unified social credit code (`uscc`), with their name."""

    type: ApplicantType
    id_number: str | None = None
    uscc: str | None = None
    name: str | None = None

    @model_serializer(mode="wrap")
    def _one_number(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """On the wire with the one number it has (`id_number` or `uscc`), as before the models."""
        return _without_nulls(handler(self), ("id_number", "uscc"))

    @classmethod
    def named(cls, *, type: str, number: str, name: str) -> Applicant:
        """A legal person (`entity`) by `uscc`, anyone else as a natural person by `id_number`."""
        if type == "entity":
            return cls(type="entity", uscc=number, name=name)
        return cls(type="person", id_number=number, name=name)

    @property
    def number(self) -> str | None:
        return self.uscc or self.id_number


class ItemRef(_Part):
    """A service item (事项) by code, with its name."""

    code: str
    name: str | None = None


class CaseEvent(EventData):
    """An event about one case, keyed by its case number."""

    TOPIC = Topics.CASE

    case_no: str


class CaseParties(CaseEvent):
    """A case event that names whose case it is and for what item."""

    item_code: str | None = None
    item: ItemRef | None = None
    applicant: Applicant | None = None

    @property
    def item_name(self) -> str | None:
        return self.item.name if self.item is not None else None


# ---------------------------------------------------------------------------------------------
# gov.case.v1: service-management's intake, dispatch, clock and supervision


class CaseSubmitted(CaseParties):
    """A case was filed (online, at a window, or as a branch of a bundle); its clock started."""

    TYPE = EventTypes.CASE_SUBMITTED

    item_version: int | None = None
    department_code: str | None = None
    channel: str | None = None
    submitted_at: Moment | None = None
    committed_days: int | None = None
    due_at: Moment | None = None
    bundle: bool = False


class CaseAccepted(CaseParties):
    """Intake accepted the case (受理)."""

    TYPE = EventTypes.CASE_ACCEPTED

    note: str | None = None


class RequestedMaterial(_Part):
    code: str
    name: str | None = None


class CaseSupplementRequested(CaseParties):
    """Intake asked the applicant for missing materials (补正); the case's clock pauses. An early
    producer listed the materials by name only (strings)."""

    TYPE = EventTypes.CASE_SUPPLEMENT_REQUESTED

    materials: list[RequestedMaterial | str] = Field(default_factory=list)
    reason: str | None = None


class CaseRejected(CaseParties):
    """Intake declined the case (不予受理), with the reason; the case ends."""

    TYPE = EventTypes.CASE_REJECTED

    reason: str | None = None


class DispatchedApplicant(_Part):
    """The applicant as the department's system receives them: who, and the facts its decision table
    reads (age, credit, ...)."""

    sub: str | None = None
    type: ApplicantType
    id_number: str
    name: str
    facts: dict[str, Any] = Field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.id_number


class DecisionTableRef(_Part):
    """The item's current decision table (GoRules JDM graph) for instant approval."""

    version: int | None = None
    graph: dict[str, Any] | None = None


class LicenseKind(_Part):
    """The licence an approval of the item issues."""

    type: str
    name: str | None = None


class DispatchedMaterial(_Part):
    """A material of the case: an uploaded file, an electronic licence held, or paper seen at a window."""

    code: str
    name: str | None = None
    license_no: str | None = None
    file_id: str | None = None
    paper_received: bool | None = None
    provided_by: str | None = None


class BundleBranch(_Part):
    """The case is one branch of a bundle application (一件事一次办)."""

    bundle_no: str
    branch: str | None = None


class CaseDispatched(CaseEvent):
    """An accepted case goes to the department that implements its item: everything its business
    system needs to review it, and its decision table when instant approval (秒批) is allowed."""

    TYPE = EventTypes.CASE_DISPATCHED
    TO_DEPARTMENT = True

    item_code: str
    item_version: int | None = None
    item_name: str | None = None
    department_code: str
    applicant: DispatchedApplicant
    form: dict[str, Any] = Field(default_factory=dict)
    instant_approval: bool = False
    rule: DecisionTableRef | None = None
    license: LicenseKind | None = None
    committed_days: int | None = None
    due_at: Moment | None = None
    materials: list[DispatchedMaterial] = Field(default_factory=list)
    bundle: BundleBranch | None = None


class CaseClockChanged(CaseEvent):
    """The case's clock paused (补正) or resumed: the due time and working days left now. Neither its
    start (gov.case.dispatched carries the due time) nor its stop (the case's ending event tells it:
    gov.case.concluded, .denied, .rejected) is sent as one."""

    TYPE = EventTypes.CASE_CLOCK_CHANGED
    TO_DEPARTMENT = True

    department_code: str | None = None
    due_at: Moment | None = None
    paused: bool = False
    # Set by earlier versions of service-management when a case ended; their events still parse.
    stopped: bool = Field(default=False, json_schema_extra={"deprecated": True})
    remaining_working_days: int | None = None


class CaseTimeWarning(CaseEvent):
    """Supervision: a running case used most of its time limit (yellow) or passed it (red)."""

    TYPE = "gov.case.time_warning"

    department_code: str | None = None
    item_code: str | None = None
    level: Literal["yellow", "red"]
    due_at: Moment | None = None
    remaining_working_days: int | None = None


class CaseEscalated(CaseEvent):
    """Supervision: a state of the case's process overran its own limit and was escalated."""

    TYPE = "gov.case.escalated"

    department_code: str | None = None
    item_code: str | None = None
    state: str | None = None
    state_name: str | None = None
    due_at: Moment | None = None
    escalated_to: str | None = None


class CaseConcluded(CaseParties):
    """The case ended with its licence, if any (办结). A denial ends a case without this event."""

    TYPE = EventTypes.CASE_CONCLUDED

    applicant_sub: str | None = None
    license_no: str | None = None
    concluded_at: Moment | None = None


class CaseEvaluated(CaseEvent):
    """The applicant rated the service (好差评, 1 very bad … 5 very good)."""

    TYPE = "gov.case.evaluated"

    item_code: str | None = None
    department_code: str | None = None
    channel: str | None = None
    rating: int = Field(ge=1, le=5)
    evaluated_at: Moment | None = None


class BundleCase(_Part):
    case_no: str
    item_code: str | None = None
    status: str | None = None


class BundleConcluded(EventData):
    """The last branch of a bundle application ended (keyed by the bundle's number)."""

    TYPE = "gov.bundle.concluded"
    TOPIC = Topics.CASE

    bundle_no: str
    bundle_code: str | None = None
    applicant_sub: str | None = None
    cases: list[BundleCase] = Field(default_factory=list)
    concluded_at: Moment | None = None


# ---------------------------------------------------------------------------------------------
# gov.case.v1: a department's business system


class _DepartmentStep(CaseEvent):
    department_code: str | None = None
    step: str | None = None
    step_no: int | None = None
    by: str | None = None
    by_username: str | None = None
    at: Moment | None = None


class CaseStepCompleted(_DepartmentStep):
    """A step of the department's review chain was completed (承办 → 审核 → 批准)."""

    TYPE = EventTypes.CASE_STEP_COMPLETED

    step_label: str | None = None
    steps_total: int | None = None
    action: str | None = None
    opinion: str | None = None


class CaseSentBack(_DepartmentStep):
    """A step sent the case back to an earlier step of the review chain, with the reason."""

    TYPE = EventTypes.CASE_SENT_BACK

    to_step: str | None = None
    to_step_no: int | None = None
    reason: str | None = None


class LicenseHolder(_Part):
    id_number: str
    name: str
    type: str | None = None


class LicenseToIssue(_Part):
    """What the approval asks the licence library to issue. `valid_until` present, even null, is the
    item handler's decision (null: long-term); absent, `validity_years`/`validity_days` or the type's
    default decide. Dates (`YYYY-MM-DD`) or ISO times, as the handler gave them."""

    type: str
    name: str | None = None
    holder: LicenseHolder
    fields: dict[str, Any] = Field(default_factory=dict)
    trust_level: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    validity_years: int | None = None
    validity_days: int | None = None
    issuer_department: str

    @model_serializer(mode="wrap")
    def _valid_until_only_when_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """`valid_until` absent on the wire unless it was given (its presence is the handler's decision)."""
        data: dict[str, Any] = handler(self)
        if "valid_until" not in self.model_fields_set:
            data.pop("valid_until", None)
        return data


class RuleApplied(_Part):
    """The decision table's version and the facts it decided on (the explanation of an instant approval)."""

    version: int | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)


class _Decided(CaseParties):
    department_code: str | None = None
    decided_by: str | None = None
    opinion: str | None = None
    automated: bool = False
    decided_at: Moment | None = None


class CaseApproved(_Decided):
    """The department approved the case (准予许可), by its staff or instantly by its decision table
    (`automated`, with the `rule` applied); `license` when the approval issues one."""

    TYPE = EventTypes.CASE_APPROVED

    license: LicenseToIssue | None = None
    rule: RuleApplied | None = None


class CaseDenied(_Decided):
    """The department denied the case (不予许可); the case ends."""

    TYPE = EventTypes.CASE_DENIED


# ---------------------------------------------------------------------------------------------
# gov.license.v1


class LicenseEvent(EventData):
    """An event about one electronic licence, keyed by its number, naming its holder."""

    TOPIC = Topics.LICENSE

    license_no: str
    license_type: str | None = None
    license_name: str | None = None
    case_no: str | None = None
    holder_type: ApplicantType | None = None
    holder_id_number: str | None = None


class LicenseIssued(LicenseEvent):
    """The licence library issued an electronic licence (keyed by licence number); `valid_until` null
    is long-term."""

    TYPE = EventTypes.LICENSE_ISSUED

    issued_at: Moment | None = None
    trust_level: str | None = None
    valid_until: Moment | None = None


class LicenseEnded(LicenseEvent):
    """The licence is no longer valid: why, by whom, when."""

    status: str | None = None
    reason: str | None = None
    by: str | None = None
    at: Moment | None = None


class LicenseRevoked(LicenseEnded):
    """The issuing department revoked the licence (吊销)."""

    TYPE = EventTypes.LICENSE_REVOKED


class LicenseCancelled(LicenseEnded):
    """The licence was cancelled (注销) by its holder or its issuer."""

    TYPE = EventTypes.LICENSE_CANCELLED


class LicenseExpired(LicenseEnded):
    """The licence's period ended (过期)."""

    TYPE = EventTypes.LICENSE_EXPIRED


class LicenseExpiring(LicenseEvent):
    """service-management reminds the holder that a licence nears its end (90, 30 or 7 days before),
    naming the item that renews it."""

    TYPE = EventTypes.LICENSE_EXPIRING

    valid_until: Moment | None = None
    threshold_days: int | None = None
    days_left: int | None = None
    renewal_item: ItemRef | None = None


# ---------------------------------------------------------------------------------------------
# gov.token.v1, gov.data.v1, gov.credit.v1


class TokenRevoked(EventData):
    """Tokens that are no longer valid, one fact of three kinds: an account's (`account`, below
    `min_generation`), a client application's (`client_id`, below `min_generation`) or those issued
    under an acting grant (`entity` and `grant`)."""

    TYPE = EventTypes.TOKEN_REVOKED
    TOPIC = Topics.TOKEN

    account: str | None = None
    client_id: str | None = None
    min_generation: int | None = None
    entity: str | None = None
    grant: str | None = None

    @model_serializer(mode="wrap")
    def _its_shape(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """On the wire with the fields of its kind only, as before the models."""
        return _without_nulls(handler(self), ("account", "client_id", "min_generation", "entity", "grant"))


class DataRead(EventData):
    """A service read personal data it keeps a copy of (keyed by the person or entity whose data it
    is): data-sharing records it in the audit log."""

    TYPE = EventTypes.DATA_READ
    TOPIC = Topics.DATA

    reader: str = Field(min_length=1)
    resource: str
    fields: list[str]
    purpose: str | None = None
    read_at: Moment | None = None


class CreditRecordFact(_Part):
    """A red- or black-list record in force, as the decision needs it (no reason)."""

    id: int
    list: str
    source_department: str | None = None
    valid_from: dt.date
    valid_until: dt.date | None = None


class CreditFact(EventData):
    """A subject's credit records now (keyed by subject, compacted): `version` grows with each change,
    so a reader keeps the newest whatever the order of delivery."""

    TYPE = EventTypes.CREDIT_STATUS
    TOPIC = Topics.CREDIT

    subject: str
    subject_type: str
    version: StrictInt
    records: list[CreditRecordFact]


class CreditHeartbeat(EventData):
    """data-sharing's heartbeat on the credit feed (no data): a reader that saw a recent one holds
    every change until a moment ago."""

    TYPE = EventTypes.CREDIT_HEARTBEAT
    TOPIC = Topics.CREDIT


# ---------------------------------------------------------------------------------------------
# The registry

EVENT_MODELS: dict[str, type[EventData]] = {
    model.TYPE: model
    for model in (
        CaseSubmitted,
        CaseAccepted,
        CaseSupplementRequested,
        CaseRejected,
        CaseDispatched,
        CaseStepCompleted,
        CaseSentBack,
        CaseClockChanged,
        CaseApproved,
        CaseDenied,
        CaseConcluded,
        CaseTimeWarning,
        CaseEscalated,
        CaseEvaluated,
        BundleConcluded,
        LicenseIssued,
        LicenseRevoked,
        LicenseCancelled,
        LicenseExpired,
        LicenseExpiring,
        TokenRevoked,
        DataRead,
        CreditFact,
        CreditHeartbeat,
    )
}
"""Every event type on the platform's topics, to the model of its data."""


def parse(event: Event) -> EventData | None:
    """The event's data parsed with the model of its type; None for a type that has none. Raises
    pydantic's ValidationError (`refusal` names its fields) for data that does not fit."""
    model = EVENT_MODELS.get(event.type)
    return None if model is None else model.of(event)


def refusal(exc: ValidationError) -> str:
    """What is wrong with an event's data, each field named from the envelope: `data.applicant.id_number:
    field required`."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(["data", *(str(part) for part in error["loc"])])
        message = error["msg"]
        parts.append(f"{where}: {message[:1].lower()}{message[1:]}")
    return "; ".join(parts)


def refused(event: Event, exc: ValidationError) -> str:
    """The reason a consumer gives for refusing `event` (its dead letter's `x-dead-letter-reason`)."""
    return f"refused: {event.type} {event.id} does not fit its schema: {refusal(exc)}"
