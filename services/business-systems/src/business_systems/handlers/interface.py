"""The item handler interface: what a department's plugin package implements for its items.

This module depends on nothing of the service (no database, web framework or settings), so a
handler package and its tests need only these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol

API_VERSION = 1
"""The interface version handlers declare in `api_version`; another major version is refused."""

TrustLevel = Literal["A", "B", "C", "D"]


@dataclass(frozen=True)
class FieldError:
    """A form value the item does not accept; `field` is `form.<name>` (or `form` for the whole)."""

    field: str
    message: str


@dataclass(frozen=True)
class Finding:
    """What a registry check found. A blocking finding keeps a case from instant approval."""

    code: str
    message: str
    blocking: bool = True
    field: str | None = None


@dataclass(frozen=True)
class CreditStatus:
    """A subject's standing in the credit library (red list: rewards, black list: restrictions)."""

    subject: str
    black_listed: bool
    red_listed: bool


@dataclass(frozen=True)
class DivisionRecord:
    """An administrative division of the geography registry (GB/T 2260)."""

    code: str
    name: str
    level: str  # province, city or county
    parent_code: str | None


class RegistryError(Exception):
    """A registry look-up that gave no answer about the value asked for: refused for this system
    (no access, no address configured) or answered something unreadable. The business system records
    it as a blocking `registry_error` finding about the look-up, never about the applicant; its text
    is Chinese, as clerks and reviewers read it in the finding (an English one stays in the log)."""


class RegistryUnavailable(RegistryError):
    """The registry cannot be asked now (data-sharing unreachable, a timeout, a 5xx): an outage,
    which says nothing about the case. Let it propagate: the business system does not store the case
    but retries its arrival until the registry answers, so an outage never changes a decision. Never
    turn it into a finding (the business system notices a swallowed one and retries all the same)."""


class InvalidLookup(RegistryError):
    """The registry refused the value asked about as malformed (a 4xx such as 422): a finding about
    the input, which the handler names with the form field it came from. `detail` is the registry's
    own words (data-sharing's problem messages, in Chinese)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Registries(Protocol):
    """The base registries as a handler may consult them. A look-up answers, or says "none"
    (`None`), or raises: `RegistryUnavailable` (an outage: let it propagate), `InvalidLookup` (the
    value is malformed: a finding about the input) or `RegistryError` (refused: let it propagate)."""

    def credit(self, subject: str) -> CreditStatus | None:
        """The credit standing of a resident ID number or USCC, from the facts that came with the
        case; None when service-management could not know it (no live look-up)."""
        ...

    def division(self, code: str) -> DivisionRecord | None:
        """The division with this code in the geography registry, None when there is none; raises
        InvalidLookup when the registry refuses `code` as malformed, RegistryUnavailable when
        data-sharing cannot be asked now."""
        ...


@dataclass(frozen=True)
class ApplicantView:
    sub: str
    type: str  # person or entity
    id_number: str  # resident ID number or unified social credit code
    name: str
    facts: Mapping[str, Any] = field(default_factory=dict)  # e.g. age, credit


@dataclass(frozen=True)
class CaseView:
    """A read-only copy of a work item, as handlers see it."""

    case_no: str
    item_code: str
    item_name: str
    department_code: str
    applicant: ApplicantView
    form: Mapping[str, Any]
    materials: tuple[Mapping[str, Any], ...] = ()
    decided_at: datetime | None = None  # set when license_content is asked for


@dataclass(frozen=True)
class LicenseContent:
    """The electronic licence an approval produces."""

    fields: Mapping[str, Any]
    trust_level: TrustLevel = "A"
    valid_until: datetime | None = None  # None: valid with no end (长期)


class ItemHandler:
    """What is specific to one or more service items. Subclass it, set `item_codes`, override what
    the item needs; register the class under the entry-point group `gov.business.handlers`."""

    item_codes: ClassVar[tuple[str, ...]] = ()
    api_version: ClassVar[int] = API_VERSION
    description: ClassVar[str] = ""

    def validate(self, form: Mapping[str, Any], applicant: ApplicantView) -> list[FieldError]:
        """Checks of the form beyond the catalogue's field types."""
        return []

    def registry_checks(self, case: CaseView, registries: Registries) -> list[Finding]:
        """Checks against the base registries (credit, ...)."""
        return []

    def license_content(self, case: CaseView) -> LicenseContent:
        """The licence fields, trust level and validity; by default the form as it was filed."""
        return LicenseContent(fields=dict(case.form))


class DefaultHandler(ItemHandler):
    """What an item without a handler of its own gets: no extra checks, the form as the licence."""

    description = "default: no extra checks, the form as the licence fields"
