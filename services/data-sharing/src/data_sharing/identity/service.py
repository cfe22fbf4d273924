"""Real-name verification against the population and legal-entity registries.

The gateway asks with its service identity when an account is opened or its assurance raised
(docs/identity.md). The answer never carries the registered name: a mismatch says only that it
does not match. The phone the registry holds is given to the gateway on a match, so that it can
send a one-time code there (L2); it is masked before any person sees it. Every verification is
written to the audit log under the subject, so the person sees it in "who read my data".
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from sqlalchemy.orm import Session

from data_sharing.audit.service import Actor, AuditLog
from data_sharing.identity.schemas import EntityVerificationIn, PersonVerificationIn, VerificationOut
from data_sharing.registries.models import LegalEntity, Person
from gov_common.auth import Principal
from gov_common.errors import Forbidden
from gov_common.identity import validate_resident_id, validate_uscc

PURPOSE = "实名核验"


def _same_name(a: str, b: str) -> bool:
    # Full-width and half-width forms, and the middle dot of minority names (·, •, ‧), are one.
    def norm(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).replace("•", "·").replace("‧", "·").split())

    return norm(a) == norm(b)


def _only_services(principal: Principal) -> None:
    if not principal.is_service:
        raise Forbidden("实名核验仅供平台自身的服务使用")


def verify_person(
    session: Session, *, audit: AuditLog, principal: Principal, body: PersonVerificationIn
) -> VerificationOut:
    _only_services(principal)
    number = validate_resident_id(body.id_number.upper(), "id_number")
    person = session.get(Person, number)
    result: Literal["match", "mismatch", "unknown"]
    if person is None:
        result = "unknown"
    else:
        result = "match" if _same_name(person.name, body.name) else "mismatch"
    audit.record(
        actor=Actor.of(principal),
        action="verify",
        resource="population",
        fields=["name", "phone"] if result == "match" else ["name"],
        subject=number,
        purpose=body.purpose or PURPOSE,
        outcome="allowed",
        reason=result,
    )
    return VerificationOut(result=result, phone=person.phone if person is not None and result == "match" else None)


def verify_entity(
    session: Session, *, audit: AuditLog, principal: Principal, body: EntityVerificationIn
) -> VerificationOut:
    """Whether the person is the entity's legal representative, by number where the registry has
    it, otherwise by name (the weaker check; reported as such)."""
    _only_services(principal)
    code = validate_uscc(body.uscc.upper(), "uscc")
    number = validate_resident_id(body.representative_id_number.upper(), "representative_id_number")
    entity = session.get(LegalEntity, code)
    result: Literal["match", "mismatch", "unknown"]
    by: Literal["id_number", "name"] | None = None
    if entity is None:
        result = "unknown"
    elif entity.status != "active":
        result = "mismatch"
    elif entity.legal_representative_id_number:
        by = "id_number"
        result = "match" if entity.legal_representative_id_number == number else "mismatch"
    else:
        by = "name"
        result = "match" if _same_name(entity.legal_representative, body.representative_name) else "mismatch"
    audit.record(
        actor=Actor.of(principal),
        action="verify",
        resource="legal-entities",
        fields=["legal_representative", "legal_representative_id_number", "status"],
        subject=code,
        purpose=body.purpose or PURPOSE,
        outcome="allowed",
        reason=result,
    )
    return VerificationOut(
        result=result, matched_by=by, entity_name=entity.name if entity is not None and result == "match" else None
    )
