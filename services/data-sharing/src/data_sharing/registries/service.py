"""Governed queries of the base registries: authorize, record, answer only the covered fields."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_sharing.audit.service import AuditLog
from data_sharing.catalogue.access import Access, authorize, parse_fields
from data_sharing.registries.definitions import (
    DIVISIONS,
    ECONOMIC_INDICATORS,
    LEGAL_ENTITIES,
    POPULATION,
    SERVICE_HALLS,
    RegistryDefinition,
    to_record,
)
from data_sharing.registries.models import Division, EconomicIndicator, LegalEntity, Person, ServiceHall
from data_sharing.registries.rules import DIVISION_CODE, PERIOD
from gov_common.auth import Principal
from gov_common.errors import InvalidField, NotFound
from gov_common.identity import validate_resident_id, validate_uscc
from gov_common.pagination import PageRequest


def read_person(
    session: Session,
    *,
    audit: AuditLog,
    principal: Principal,
    id_number: str,
    fields: str | None,
    purpose: str | None,
) -> dict[str, Any]:
    number = validate_resident_id(id_number.upper(), "id_number")
    return _read_one(session, audit, principal, POPULATION, Person, number, fields, purpose)


def read_legal_entity(
    session: Session, *, audit: AuditLog, principal: Principal, uscc: str, fields: str | None, purpose: str | None
) -> dict[str, Any]:
    code = validate_uscc(uscc.upper(), "uscc")
    return _read_one(session, audit, principal, LEGAL_ENTITIES, LegalEntity, code, fields, purpose)


def legal_entities_represented(
    session: Session,
    *,
    audit: AuditLog,
    principal: Principal,
    id_number: str,
    fields: str | None,
    purpose: str | None,
) -> list[dict[str, Any]]:
    """The legal entities whose legal representative is this person (名下的企业、个体工商户). Read as
    records about that person: the person themselves (subject basis) or a caller entitled to the
    legal-entity registry; recorded in the audit log with the person as subject, found or not."""
    number = validate_resident_id(id_number.upper(), "id_number")
    access = _authorize(session, audit, principal, LEGAL_ENTITIES, fields, purpose, subject=number)
    access.record(audit, subject=number)
    rows = session.scalars(
        select(LegalEntity).where(LegalEntity.legal_representative_id_number == number).order_by(LegalEntity.uscc)
    ).all()
    return [access.restrict(to_record(LEGAL_ENTITIES, r)) for r in rows]


def _authorize(
    session: Session,
    audit: AuditLog,
    principal: Principal,
    definition: RegistryDefinition,
    fields: str | None,
    purpose: str | None,
    subject: str | None = None,
) -> Access:
    """The caller's access to one registry: its grant (or basis) checked, refusals audited."""
    return authorize(
        session,
        audit=audit,
        principal=principal,
        resource=definition.resource,
        subject=subject,
        fields=parse_fields(fields),
        purpose=purpose,
    )


def _read_one(
    session: Session,
    audit: AuditLog,
    principal: Principal,
    definition: RegistryDefinition,
    model: type[Person] | type[LegalEntity],
    key: str,
    fields: str | None,
    purpose: str | None,
) -> dict[str, Any]:
    access = _authorize(session, audit, principal, definition, fields, purpose, subject=key)
    access.record(audit, subject=key)  # before the answer, found or not: the attempt is what counts
    record = session.get(model, key)
    if record is None:
        raise NotFound(f"{definition.name}中没有 {key}", code="not_in_registry")
    return access.restrict(to_record(definition, record))


def _page_of(
    session: Session, query: Any, order: Any, page: PageRequest, definition: RegistryDefinition
) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order).offset(page.offset).limit(page.page_size)).all()
    return list(rows), total


def list_divisions(
    session: Session,
    *,
    audit: AuditLog,
    principal: Principal,
    page: PageRequest,
    parent: str | None,
    level: str | None,
    fields: str | None,
    purpose: str | None,
) -> tuple[list[dict[str, Any]], int]:
    access = _authorize(session, audit, principal, DIVISIONS, fields, purpose)
    query = select(Division)
    if parent is not None:
        query = query.where(Division.parent_code == _division(parent, "parent"))
    if level is not None:
        query = query.where(Division.level == level)
    rows, total = _page_of(session, query, [Division.code], page, DIVISIONS)
    return [access.restrict(to_record(DIVISIONS, r)) for r in rows], total


def read_division(
    session: Session, *, audit: AuditLog, principal: Principal, code: str, fields: str | None, purpose: str | None
) -> dict[str, Any]:
    access = _authorize(session, audit, principal, DIVISIONS, fields, purpose)
    division = session.get(Division, _division(code, "code"))
    if division is None:
        raise NotFound(f"行政区划 {code} 不存在")
    path: list[dict[str, Any]] = []
    parent_code = division.parent_code
    while parent_code is not None and len(path) < 5:
        parent = session.get(Division, parent_code)
        if parent is None:
            break
        path.insert(0, access.restrict(to_record(DIVISIONS, parent)))
        parent_code = parent.parent_code
    return {**access.restrict(to_record(DIVISIONS, division)), "ancestors": path}


TREE_FIELDS = ("code", "name", "level", "parent_code")


def division_tree(session: Session, *, audit: AuditLog, principal: Principal, root: str | None) -> list[dict[str, Any]]:
    """The divisions at and below `root` (every province when None) as nested nodes, by code. The
    registry holds GB/T 2260's three levels (province, city, county), so the tree is small: a whole
    country is about 3,200 rows, read in one query."""
    _authorize(session, audit, principal, DIVISIONS, ",".join(TREE_FIELDS), None)
    query = select(Division.code, Division.name, Division.level, Division.parent_code)
    if root is not None:
        code = _division(root, "root")
        if session.get(Division, code) is None:
            raise NotFound(f"行政区划 {code} 不存在", field="root")
        query = query.where(Division.code.startswith(division_prefix(code)))
    rows = session.execute(query.order_by(Division.code)).all()
    nodes = {r.code: {"code": r.code, "name": r.name, "level": r.level, "children": []} for r in rows}
    top: list[dict[str, Any]] = []
    for r in rows:
        parent = nodes.get(r.parent_code) if r.parent_code is not None and r.code != root else None
        (parent["children"] if parent is not None else top).append(nodes[r.code])
    return top


def _division(value: str, field: str) -> str:
    if not DIVISION_CODE.match(value):
        raise InvalidField(field, "行政区划代码应为 6 位数字（GB/T 2260）")
    return value


def division_prefix(code: str) -> str:
    """All divisions under `code`: 330000 → 33, 330100 → 3301, 330122 → 330122."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def list_service_halls(
    session: Session,
    *,
    audit: AuditLog,
    principal: Principal,
    page: PageRequest,
    division: str | None,
    fields: str | None,
    purpose: str | None,
) -> tuple[list[dict[str, Any]], int]:
    access = _authorize(session, audit, principal, SERVICE_HALLS, fields, purpose)
    query = select(ServiceHall)
    if division is not None:
        query = query.where(ServiceHall.division_code.startswith(division_prefix(_division(division, "division"))))
    rows, total = _page_of(session, query, [ServiceHall.code], page, SERVICE_HALLS)
    return [access.restrict(to_record(SERVICE_HALLS, r)) for r in rows], total


def list_indicators(
    session: Session,
    *,
    audit: AuditLog,
    principal: Principal,
    page: PageRequest,
    indicator: str | None,
    division: str | None,
    period_from: str | None,
    period_to: str | None,
    fields: str | None,
    purpose: str | None,
) -> tuple[list[dict[str, Any]], int]:
    access = _authorize(session, audit, principal, ECONOMIC_INDICATORS, fields, purpose)
    query = select(EconomicIndicator)
    if indicator is not None:
        query = query.where(EconomicIndicator.indicator_code == indicator)
    if division is not None:
        query = query.where(EconomicIndicator.division_code == _division(division, "division"))
    for name, value, compare in (("period_from", period_from, ">="), ("period_to", period_to, "<=")):
        if value is None:
            continue
        if not PERIOD.match(value):
            raise InvalidField(name, "统计期应为 YYYY、YYYY-Qn 或 YYYY-MM 格式")
        column = EconomicIndicator.period
        query = query.where(column >= value if compare == ">=" else column <= value)
    order = [EconomicIndicator.indicator_code, EconomicIndicator.division_code, EconomicIndicator.period]
    rows, total = _page_of(session, query, order, page, ECONOMIC_INDICATORS)
    return [access.restrict(to_record(ECONOMIC_INDICATORS, r)) for r in rows], total
