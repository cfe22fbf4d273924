"""The answers from outside the unit of work (the applicant's credit status, the named licences'
checks by data-sharing) fetched before the unit of work's first statement, so that no database
transaction stays open across a network call. The service functions then read the answers from
`Ports` as before, with no network behind them.

The credit status comes from service-management's own read model of the credit lists
(credit_model.py), read after data-sharing was asked about licences: that read (and its record in
`credit_reads`) is the unit of work's first statement, so the record commits with the decision it
served, and a unit of work that fails records no read.

An endpoint that may file, accept, dispatch or attach licences:
1. reads what it needs to ask (an item's material specs, a case's applicant) and ends that read
   transaction (`end_reads`), or reads nothing when the request already says it;
2. calls `fetch`, which refuses to run while the session has a transaction open;
3. calls the service function with the returned ports; its first statement begins the transaction.

The event handlers get `offline` answers: an event is handled inside its transaction, so dispatch
reached from a handler (a process that re-enters the department's review) sees the credit status as
not known and the case is not instantly approvable (fail safe); see docs/service-management.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.auth import Principal
from gov_common.errors import ServiceUnavailable
from service_management.cases.licences import LicenceCheck
from service_management.cases.materials import LicenceQuery, licence_query
from service_management.cases.service import can_see
from service_management.catalogue.service import get_published
from service_management.credit_model import LocalCredit
from service_management.models import Case, Item
from service_management.ports import Ports
from service_management.rules.credit import CreditStatus

NOT_FETCHED = "the credit status was not fetched before the transaction (handled as not known)"


@dataclass
class Answers:
    """A CreditLookup and a LicenceVerifier that only give what was fetched beforehand."""

    credit: dict[str, CreditStatus] = field(default_factory=dict)
    licences: dict[LicenceQuery, LicenceCheck] = field(default_factory=dict)

    def status(self, subject: str) -> CreditStatus:
        return self.credit.get(subject) or CreditStatus(known=False, detail=NOT_FETCHED)

    def check(
        self, *, license_no: str, holder_id_number: str, accepted_types: list[str], min_trust_level: str
    ) -> LicenceCheck:
        query = LicenceQuery(license_no, holder_id_number, tuple(accepted_types), min_trust_level)
        answer = self.licences.get(query)
        if answer is None:
            # A path that did not fetch first: refuse rather than call out inside the transaction.
            raise ServiceUnavailable("暂时无法核验电子证照，请稍后重试")
        return answer


def offline(ports: Ports) -> Ports:
    """Ports for work done inside a transaction with nothing fetched (the event handlers)."""
    return Ports(files=ports.files, credit=Answers(), licences=Answers())


def end_reads(session: Session) -> None:
    """End the read-only transaction of the reads made to know what to ask data-sharing."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_reads after a write: the unit of work would lose it")
    session.rollback()


def fetch(
    session: Session,
    ports: Ports,
    *,
    subjects: Iterable[str] = (),
    licences: Iterable[LicenceQuery] = (),
    purpose: str = "case",
    actor: str | None = None,
) -> Ports:
    """Ask data-sharing now, with no transaction open, then read the credit read model (which begins
    the unit of work); the returned ports answer from memory. `purpose` and `actor` are recorded
    with each read of the credit read model."""
    if session.in_transaction():
        raise RuntimeError("data-sharing is asked before the unit of work's first statement, not inside it")
    answers = Answers()
    for query in dict.fromkeys(licences):
        answers.licences[query] = ports.licences.check(
            license_no=query.license_no,
            holder_id_number=query.holder_id_number,
            accepted_types=list(query.accepted_types),
            min_trust_level=query.min_trust_level,
        )
    for subject in dict.fromkeys(subjects):
        if isinstance(ports.credit, LocalCredit):  # a database read, in the unit of work
            answers.credit[subject] = ports.credit.read(session, subject, purpose=purpose, actor=actor)
        else:
            answers.credit[subject] = ports.credit.status(subject)
    return Ports(files=ports.files, credit=answers, licences=answers)


def material_specs(items: Iterable[Any]) -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {}
    for item in items:
        for material in item.materials:
            specs.setdefault(material["code"], material)
    return specs


def licence_queries(specs: Mapping[str, Mapping[str, Any]], refs: Iterable[Any], holder: str) -> list[LicenceQuery]:
    queries = (licence_query(specs.get(r.code), r.license_no, holder) for r in refs)
    return [q for q in queries if q is not None]


def for_filing(
    session: Session,
    ports: Ports,
    *,
    applicant_id: str,
    items: Iterable[str],
    refs: Iterable[Any],
    actor: str | None = None,
) -> Ports:
    """Before filing: the applicant's credit status, and the checks of the licences named (their
    material specs read first, in a read transaction ended before asking)."""
    items = list(items)
    named = [r for r in refs if r.license_no is not None]
    queries: list[LicenceQuery] = []
    if named:
        for code in items:
            item = get_published(session, code)
            own = [r for r in named if any(m["code"] == r.code for m in item.materials)]
            queries += licence_queries(material_specs([item]), own, applicant_id)
        end_reads(session)
    return fetch(
        session,
        ports,
        subjects=[applicant_id] if applicant_id else [],
        licences=queries,
        purpose=f"filing {','.join(items)}"[:120],
        actor=actor,
    )


def for_case(
    session: Session,
    ports: Ports,
    *,
    case_no: str,
    principal: Principal,
    refs: Iterable[Any] = (),
    credit: bool = True,
) -> Ports:
    """Before working on an existing case: its applicant's credit status (dispatch may follow) and
    the checks of the licences named; the case is read first, in a read transaction ended before asking."""
    named = [r for r in refs if r.license_no is not None]
    case = session.scalars(select(Case).where(Case.case_no == case_no)).first()
    if case is None or not can_see(principal, case):
        end_reads(session)
        return fetch(session, ports)  # the service function answers 404 itself
    applicant_id = case.applicant_id_number
    queries: list[LicenceQuery] = []
    if named:
        item = session.get_one(Item, case.item_id)
        queries = licence_queries(material_specs([item]), named, applicant_id)
    end_reads(session)
    return fetch(
        session,
        ports,
        subjects=[applicant_id] if credit and applicant_id else [],
        licences=queries,
        purpose=f"case {case_no}",
        actor=principal.name,
    )
