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


class RegistryUnavailable(Exception):
    """A registry could not be asked; the case goes to people instead of being decided without it."""


class Registries(Protocol):
    """The base registries as a handler may consult them."""

    def credit(self, subject: str) -> CreditStatus | None:
        """The credit standing of a resident ID number or USCC; None when it cannot be known."""
        ...

    def division(self, code: str) -> DivisionRecord | None:
        """The division with this code in the geography registry, None when there is none;
        raises RegistryUnavailable when data-sharing cannot be asked."""
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
