"""Bulk import of a registry from CSV: every row validated, a report of the rejected rows with
their reasons, partial or all-or-nothing, then a quality report."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.catalogue.permissions import require_owner_staff
from data_sharing.quality.service import measure
from data_sharing.registries.definitions import DIVISIONS, REGISTRIES, RegistryDefinition, key_of
from data_sharing.registries.models import Division, RegistryImport
from data_sharing.registries.rules import Context
from data_sharing.registries.validation import Violation, validate_row
from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.errors import InvalidField, NotFound
from gov_common.limits import KIB, BoundedLines, RowTooLarge

MODES = ("partial", "all_or_nothing")
# Bounds of one import (the file itself is at most `import_max_bytes`): rows, one row's characters
# (the csv module builds a whole row before handing it over), and the row errors kept in its report.
MAX_ROWS = 100_000
MAX_ROW_CHARS = 64 * KIB
MAX_REPORTED_ERRORS = 1000


def definition_for_import(resource: str) -> RegistryDefinition:
    definition = REGISTRIES.get(resource)
    if definition is None:
        raise NotFound(f"没有名为 {resource!r} 的基础库；可导入的基础库：{'、'.join(REGISTRIES)}")
    return definition


def _rows(content: bytes, definition: RegistryDefinition) -> tuple[csv.DictReader[str], BoundedLines]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidField("body", "CSV 文件应为 UTF-8 编码") from None
    lines = BoundedLines(text, max_row_chars=MAX_ROW_CHARS)
    reader = csv.DictReader(lines)
    with _readable():
        fieldnames = reader.fieldnames
    lines.row_done()
    header = [h.strip() for h in fieldnames or []]
    if not header:
        raise InvalidField("body", "CSV 文件为空；其第一行应为列名")
    reader.fieldnames = header
    known = {c.name for c in definition.columns}
    unknown = [h for h in header if h not in known]
    if unknown:
        raise InvalidField("columns", f"无法识别的列：{'、'.join(unknown)}；可用的列：{'、'.join(sorted(known))}")
    missing = [c.name for c in definition.columns if c.required and c.name not in header]
    if missing:
        raise InvalidField("columns", f"缺少必需的列：{'、'.join(missing)}")
    return reader, lines


@contextmanager
def _readable() -> Iterator[None]:
    try:
        yield
    except RowTooLarge:
        raise InvalidField("body", f"CSV 文件中有一行超过 {MAX_ROW_CHARS} 个字符") from None
    except csv.Error:
        raise InvalidField("body", "无法读取该 CSV 文件，请检查文件格式") from None


def _numbered(reader: csv.DictReader[str], lines: BoundedLines) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    with _readable():
        for raw in reader:
            lines.row_done()
            number += 1
            if number > MAX_ROWS:
                raise InvalidField("body", f"每次至多导入 {MAX_ROWS} 行，请拆分文件")
            yield number, raw


def import_csv(session: Session, *, principal: Principal, resource: str, content: bytes, mode: str) -> RegistryImport:
    definition = definition_for_import(resource)
    require_owner_staff(session, principal=principal, resource=definition.resource)
    if mode not in MODES:
        raise InvalidField("mode", f"导入方式应为以下之一：{'、'.join(MODES)}")
    reader, lines = _rows(content, definition)
    ctx = Context(division_codes=set(session.scalars(select(Division.code))))
    accepted: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    rejected = total = 0
    for number, raw in _numbered(reader, lines):
        total += 1
        if None in raw:  # DictReader keeps surplus values under the key None
            errors.append(
                {"row": number, "line": reader.line_num, "field": None, "message": "more values than columns"}
            )
            rejected += 1
            continue
        values, violations = validate_row(definition, raw, ctx)
        if values is not None:
            key = key_of(definition, values)
            if key in seen:
                violations.append(_duplicate(definition, seen[key]))
                values = None
            else:
                seen[key] = number
        if values is None:
            rejected += 1
            errors += [
                {"row": number, "line": reader.line_num, "field": v.field, "message": v.message} for v in violations
            ]
            continue
        accepted.append(values)
        if definition is DIVISIONS:
            ctx.division_codes.add(values["code"])  # its children may follow in the same file
    store = not (mode == "all_or_nothing" and rejected)
    if store:
        now = utcnow()
        for values in accepted:
            _upsert(session, definition, values, now)
    status = (
        "rejected" if not store or (rejected and not accepted) else "partially_committed" if rejected else "committed"
    )
    record = RegistryImport(
        resource=definition.resource,
        mode=mode,
        status=status,
        total_rows=total,
        accepted_rows=len(accepted) if store else 0,
        rejected_rows=rejected,
        # The first rows' errors say what is wrong with the file; every rejected row is counted.
        errors=errors[:MAX_REPORTED_ERRORS],
        imported_by=principal.name,
        imported_at=utcnow(),
    )
    session.add(record)
    session.flush()
    if store and accepted:
        report = measure(
            session, resource=definition.resource, trigger="import", by=principal.name, import_id=record.id
        )
        record.quality_report_id = report.id
    return record


def _duplicate(definition: RegistryDefinition, first_row: int) -> Violation:
    return Violation(definition.key[0], "unique_key", f"the same key as row {first_row} of this file")


def _upsert(session: Session, definition: RegistryDefinition, values: dict[str, Any], now: Any) -> None:
    model = definition.model
    columns = set(model.__table__.columns.keys())
    attrs = {k: v for k, v in values.items() if k in columns}
    attrs["updated_at"] = now
    if len(definition.key) == 1:
        existing = session.get(model, values[definition.key[0]])
    else:
        existing = session.scalars(select(model).filter_by(**{k: values[k] for k in definition.key})).first()
    if existing is None:
        session.add(model(**attrs))
        if definition is DIVISIONS:
            session.flush()  # in file order: a parent division is stored before its children
    else:
        for name, value in attrs.items():
            setattr(existing, name, value)


def get_import(session: Session, *, principal: Principal, import_id: int) -> RegistryImport:
    record = session.get(RegistryImport, import_id)
    if record is None:
        raise NotFound(f"导入批次 {import_id} 不存在")
    require_owner_staff(session, principal=principal, resource=record.resource)
    return record
