"""The five lists (五张清单): compiled by departments as drafts, reviewed and published by an
administrator as dated versions; the public reads the versions in force and their differences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import Conflict, InvalidField, NotFound
from gov_common.pagination import PageRequest
from service_management.deps import check_department
from service_management.import_problems import ImportColumns, ImportProblem
from service_management.lists.schemas import ListEntry
from service_management.models import Department, ListVersion
from service_management.tabular import read_rows

PUBLIC = ("published", "superseded")
# The columns of a list import with their Chinese names: the template's header row (import_templates.py)
# and how an import's problems name them.
IMPORT_COLUMN_LABELS = {
    "code": "编码",
    "name": "名称",
    "category": "类别",
    "basis": "依据",
    "content": "内容",
    "amount": "金额/标准",
}
IMPORT_COLUMNS = list(IMPORT_COLUMN_LABELS)
IMPORT_PROBLEMS = ImportColumns(IMPORT_COLUMN_LABELS)


# A list version's status in the messages a person reads.
LIST_STATUS_LABELS = {"draft": "草稿", "submitted": "已提交", "published": "已发布", "superseded": "已被取代"}


def _check_entries(entries: list[ListEntry], *, field: str = "entries") -> None:
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        if entry.code in seen:
            raise InvalidField(f"{field}[{n}].code", f"编码 {entry.code} 出现了两次")
        seen.add(entry.code)


def create_draft(
    session: Session, *, principal: Principal, list_type: str, department_code: str, entries: list[ListEntry], note: str
) -> ListVersion:
    check_department(principal, department_code)
    if session.get(Department, department_code) is None:
        raise InvalidField("department_code", f"部门 {department_code} 不存在")
    _check_entries(entries)
    latest = session.scalar(
        select(func.max(ListVersion.version)).where(
            ListVersion.list_type == list_type, ListVersion.department_code == department_code
        )
    )
    version = ListVersion(
        list_type=list_type,
        department_code=department_code,
        version=(latest or 0) + 1,
        status="draft",
        entries=[e.model_dump() for e in entries],
        note=note,
        created_by=principal.name,
    )
    session.add(version)
    session.flush()
    return version


def get_version(session: Session, *, principal: Principal | None, version_id: int) -> ListVersion:
    version = session.get(ListVersion, version_id)
    visible = version is not None and (
        version.status in PUBLIC
        or (
            principal is not None
            and (principal.has_role(Roles.ADMIN) or principal.department == version.department_code)
        )
    )
    if version is None or not visible:
        raise NotFound(f"未找到清单版本 {version_id}", field="id")
    return version


def submit(session: Session, *, principal: Principal, version_id: int) -> ListVersion:
    version = get_version(session, principal=principal, version_id=version_id)
    check_department(principal, version.department_code)
    if version.status != "draft":
        raise Conflict(f"清单版本 {version_id} {LIST_STATUS_LABELS.get(version.status, version.status)}，不是草稿")
    version.status = "submitted"
    return version


def delete_draft(session: Session, *, principal: Principal, version_id: int) -> None:
    """A draft the department no longer wants (a new draft is compiled from any version, so old
    ones would pile up). Submitted, published and superseded versions stay: they are the record."""
    version = get_version(session, principal=principal, version_id=version_id)
    check_department(principal, version.department_code)
    if version.status != "draft":
        raise Conflict(
            f"清单版本 {version_id} {LIST_STATUS_LABELS.get(version.status, version.status)}；只能删除草稿",
            code="list_not_draft",
        )
    session.delete(version)


def publish(session: Session, *, principal: Principal, version_id: int, effective_date: dt.date) -> ListVersion:
    version = get_version(session, principal=principal, version_id=version_id)
    if version.status not in ("draft", "submitted"):
        raise Conflict(f"清单版本 {version_id} 已是{LIST_STATUS_LABELS.get(version.status, version.status)}状态")
    for current in session.scalars(
        select(ListVersion).where(
            ListVersion.list_type == version.list_type,
            ListVersion.department_code == version.department_code,
            ListVersion.status == "published",
        )
    ):
        current.status = "superseded"
    version.status = "published"
    version.effective_date = effective_date
    version.published_by = principal.name
    version.published_at = utcnow()
    return version


def current(
    session: Session, *, list_type: str, department: str | None, page: PageRequest
) -> tuple[list[ListVersion], int]:
    query = select(ListVersion).where(ListVersion.list_type == list_type, ListVersion.status == "published")
    if department:
        query = query.where(ListVersion.department_code == department)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ListVersion.department_code, ListVersion.id).offset(page.offset).limit(page.page_size)
    ).all()
    return list(rows), total


def versions(
    session: Session, *, principal: Principal | None, list_type: str, department: str | None, page: PageRequest
) -> tuple[list[ListVersion], int]:
    """One page of a list's versions by department and version: the published ones (and superseded),
    and the drafts of the caller's department (every draft for an administrator)."""
    query = select(ListVersion).where(ListVersion.list_type == list_type)
    if department:
        query = query.where(ListVersion.department_code == department)
    if principal is None or not principal.has_role(Roles.ADMIN):
        visible: ColumnElement[bool] = ListVersion.status.in_(PUBLIC)
        if principal is not None and principal.department:
            visible = or_(visible, ListVersion.department_code == principal.department)
        query = query.where(visible)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(ListVersion.department_code, ListVersion.version)
    return list(session.scalars(query.offset(page.offset).limit(page.page_size)).all()), total


def diff(session: Session, *, principal: Principal | None, from_id: int, to_id: int) -> dict[str, Any]:
    old = get_version(session, principal=principal, version_id=from_id)
    new = get_version(session, principal=principal, version_id=to_id)
    if (old.list_type, old.department_code) != (new.list_type, new.department_code):
        raise InvalidField("to", "请比较同一部门同一清单的两个版本")
    before = {e["code"]: e for e in old.entries}
    after = {e["code"]: e for e in new.entries}
    changed = []
    for code in sorted(set(before) & set(after)):
        fields = [k for k in ListEntry.model_fields if before[code].get(k) != after[code].get(k)]
        if fields:
            changed.append({"code": code, "fields": fields, "before": before[code], "after": after[code]})
    return {
        "from_version": old.version,
        "to_version": new.version,
        "added": [after[c] for c in sorted(set(after) - set(before))],
        "removed": [before[c] for c in sorted(set(before) - set(after))],
        "changed": changed,
    }


def import_draft(
    session: Session,
    *,
    principal: Principal,
    list_type: str,
    department_code: str,
    data: bytes,
    filename: str,
    dry_run: bool,
) -> dict[str, Any]:
    rows = read_rows(data, filename, labels=IMPORT_COLUMN_LABELS)
    problems: list[ImportProblem] = []
    entries: list[ListEntry] = []
    first_row: dict[str, int] = {}  # code -> the row that gave it
    if rows:
        problems.extend(IMPORT_PROBLEMS.unknown_column(h) for h in rows[0] if h not in IMPORT_COLUMN_LABELS)
    for n, row in enumerate(rows, start=2):  # row 1 holds the headers
        values = {k: (row.get(k) or None) if k == "amount" else row.get(k, "") for k in IMPORT_COLUMNS}
        code = row.get("code") or None
        if code in first_row:
            reason = f"该编码在第 {first_row[code]} 行已出现，同一清单中不得重复"
            problems.append(IMPORT_PROBLEMS.problem(n, "code", reason, error_code="duplicate_code", code=code))
            continue
        if code:
            first_row[code] = n
        try:
            entries.append(ListEntry.model_validate(values))
        except ValidationError as exc:
            problems.extend(IMPORT_PROBLEMS.invalid(n, exc, row, code=code))
    apply = not dry_run and not problems and bool(entries)
    version_id = None
    if apply:
        version = create_draft(
            session,
            principal=principal,
            list_type=list_type,
            department_code=department_code,
            entries=entries,
            note=f"imported from {filename}",
        )
        version_id = version.id
    else:
        check_department(principal, department_code)
    return {
        "dry_run": dry_run,
        "applied": apply,
        "rows": len(rows),
        "rejected": [p.model_dump() for p in problems],
        "version_id": version_id,
    }
