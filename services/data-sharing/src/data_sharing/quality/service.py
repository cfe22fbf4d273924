"""Quality reports: completeness, validity (the import's own rules, run over stored records) and
duplicates, per registry resource."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_sharing.catalogue.permissions import require_owner_staff
from data_sharing.quality.models import QualityReport
from data_sharing.quality.schemas import RuleOut
from data_sharing.registries.definitions import REGISTRIES, RegistryDefinition, key_of
from data_sharing.registries.models import Division
from data_sharing.registries.rules import Context
from data_sharing.registries.validation import stored_row, validate_row
from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.errors import InvalidField, NotFound
from gov_common.identity import mask_id
from gov_common.pagination import PageRequest

EXAMPLES = 5


def definition_of(resource: str, field: str = "resource") -> RegistryDefinition:
    definition = REGISTRIES.get(resource)
    if definition is None:
        raise InvalidField(field, f"数据质量仅对以下基础库计算：{'、'.join(REGISTRIES)}")
    return definition


def rules_of(resource: str) -> list[RuleOut]:
    definition = definition_of(resource)
    rules = [
        RuleOut(field=c.name, rule="required", description="must be given") for c in definition.columns if c.required
    ]
    rules += [RuleOut(field=c.name, rule=c.rule, description=c.description) for c in definition.columns]
    rules += [RuleOut(field=None, rule=c.rule, description=c.description) for c in definition.checks]
    if definition.duplicate_key:
        rules.append(
            RuleOut(
                field=None,
                rule="duplicates",
                description=f"records sharing {', '.join(definition.duplicate_key)} are suspected duplicates",
            )
        )
    return rules


def _example(definition: RegistryDefinition, record: Any) -> str:
    key = "/".join(str(v) for v in key_of(definition, {k: getattr(record, k) for k in definition.key}))
    return mask_id(key) or key if definition.personal else key


def measure(session: Session, *, resource: str, trigger: str, by: str, import_id: int | None = None) -> QualityReport:
    """Measure the stored records of one registry resource and keep the report."""
    definition = definition_of(resource)
    records = list(session.scalars(select(definition.model)))
    ctx = Context(division_codes=set(session.scalars(select(Division.code))))
    fields = definition.field_names
    filled = Counter[str]()
    violations: dict[tuple[str, str], list[str]] = {}
    invalid = 0
    groups: dict[tuple[Any, ...], list[str]] = {}
    for record in records:
        for name in fields:
            if getattr(record, name) not in (None, ""):
                filled[name] += 1
        _values, problems = validate_row(definition, stored_row(definition, record), ctx)
        if problems:
            invalid += 1
            for problem in problems:
                violations.setdefault((problem.field, problem.rule), []).append(_example(definition, record))
        if definition.duplicate_key:
            key = tuple(getattr(record, k) for k in definition.duplicate_key)
            if all(v not in (None, "") for v in key):
                groups.setdefault(key, []).append(_example(definition, record))
    total = len(records)
    cells = total * len(fields)
    duplicate_groups = [examples for examples in groups.values() if len(examples) > 1]
    report = QualityReport(
        resource=resource,
        trigger=trigger,
        import_id=import_id,
        created_at=utcnow(),
        created_by=by,
        records=total,
        completeness={
            "overall": round(sum(filled.values()) / cells, 4) if cells else 1.0,
            "fields": {name: round(filled[name] / total, 4) if total else 1.0 for name in fields},
        },
        validity={
            "valid_records": total - invalid,
            "invalid_records": invalid,
            "ratio": round((total - invalid) / total, 4) if total else 1.0,
            "violations": [
                {"field": f, "rule": r, "count": len(examples), "examples": examples[:EXAMPLES]}
                for (f, r), examples in sorted(violations.items())
            ],
        },
        duplicates={
            "key": list(definition.duplicate_key or definition.key),
            "groups": len(duplicate_groups),
            "records": sum(len(g) for g in duplicate_groups),
            "examples": [g[:EXAMPLES] for g in duplicate_groups[:EXAMPLES]],
        },
    )
    session.add(report)
    session.flush()
    return report


def create_on_demand(session: Session, *, principal: Principal, resource: str) -> QualityReport:
    require_owner_staff(session, principal=principal, resource=definition_of(resource).resource)
    return measure(session, resource=resource, trigger="on_demand", by=principal.name)


def get_report(session: Session, *, principal: Principal, report_id: int) -> QualityReport:
    report = session.get(QualityReport, report_id)
    if report is None:
        raise NotFound(f"质量报告 {report_id} 不存在")
    require_owner_staff(session, principal=principal, resource=report.resource)
    return report


def list_reports(
    session: Session, *, principal: Principal, resource: str, page: PageRequest
) -> tuple[list[QualityReport], int]:
    require_owner_staff(session, principal=principal, resource=definition_of(resource).resource)
    query = select(QualityReport).where(QualityReport.resource == resource)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    reports = session.scalars(query.order_by(QualityReport.id.desc()).offset(page.offset).limit(page.page_size))
    return list(reports), total
