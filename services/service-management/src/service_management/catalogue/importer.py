"""Bulk import of items from CSV or .xlsx: every row checked, nothing applied unless all are valid.

Columns (first row): code, name, item_type, department_code, legal_basis, statutory_days,
committed_days, fee_amount (empty: free), fee_basis, online_depth, channels, audience, themes,
keywords, description, materials. List cells are separated by `;`. A material is
`code|name|form|required or optional|licence type (may be empty)`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from gov_common.auth import Principal
from gov_common.errors import DomainError
from service_management.catalogue import service
from service_management.catalogue.schemas import ImportProblem, ImportReport, ItemIn, ServiceGuide
from service_management.deps import check_department
from service_management.tabular import read_rows, split_list

REQUIRED_COLUMNS = ["code", "name", "item_type", "department_code", "legal_basis", "statutory_days", "committed_days"]
# Every column `row_to_item` reads, in order: the header row of the import template (import_templates.py).
COLUMNS = [
    *REQUIRED_COLUMNS,
    "fee_amount",
    "fee_basis",
    "online_depth",
    "channels",
    "audience",
    "themes",
    "keywords",
    "description",
    "materials",
]


def _material(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 4:
        raise ValueError(f"material {text!r} is not code|name|form|required|licence type")
    if parts[3] not in ("required", "optional", "必需", "可选"):
        raise ValueError(f"material {parts[0]}: say required or optional, not {parts[3]!r}")
    return {
        "code": parts[0],
        "name": parts[1],
        "form": parts[2],
        "required": parts[3] in ("required", "必需"),
        "license_type": (parts[4] if len(parts) > 4 else "") or None,
    }


def row_to_item(row: dict[str, str]) -> dict[str, Any]:
    fee_amount = row.get("fee_amount", "")
    data: dict[str, Any] = {
        "code": row.get("code", ""),
        "name": row.get("name", ""),
        "item_type": row.get("item_type", ""),
        "department_code": row.get("department_code", ""),
        "legal_basis": row.get("legal_basis", ""),
        "statutory_days": row.get("statutory_days", ""),
        "committed_days": row.get("committed_days", ""),
        "fee": {"free": True}
        if not fee_amount
        else {"free": False, "amount": fee_amount, "basis": row.get("fee_basis") or None},
        "audience": split_list(row.get("audience", "")),
        "themes": split_list(row.get("themes", "")),
        "keywords": split_list(row.get("keywords", "")),
        "description": row.get("description", ""),
        "materials": [_material(m) for m in split_list(row.get("materials", ""))],
    }
    if row.get("online_depth"):
        data["online_depth"] = row["online_depth"]
    if row.get("channels"):
        data["channels"] = split_list(row["channels"])
    return data


def _keeping_guide(session: Session, item: ItemIn) -> ItemIn:
    """The file has no columns for the guide's fields nor for a material's copies, source and note: an
    imported new version keeps them from the latest version (materials by code)."""
    latest = service.list_versions(session, item.code)[-1]
    before = {m["code"]: m for m in latest.materials}
    materials = [
        m.model_copy(update={k: before[m.code][k] for k in ("copies", "source", "note") if k in before[m.code]})
        if m.code in before
        else m
        for m in item.materials
    ]
    return item.model_copy(update={"guide": ServiceGuide.model_validate(latest.guide or {}), "materials": materials})


def import_items(session: Session, *, principal: Principal, data: bytes, filename: str, dry_run: bool) -> ImportReport:
    rows = read_rows(data, filename)
    problems: list[ImportProblem] = []
    valid: list[ItemIn] = []
    seen: set[str] = set()
    missing = [c for c in REQUIRED_COLUMNS if rows and c not in rows[0]]
    for column in missing:
        problems.append(ImportProblem(row=1, code=None, field=column, message="the column is missing"))
    for n, row in enumerate(rows if not missing else [], start=2):  # row 1 holds the headers
        code = row.get("code") or None
        try:
            item = ItemIn.model_validate(row_to_item(row))
            if item.code in seen:
                raise DomainError("该编码在文件中出现了两次", field="code")
            seen.add(item.code)
            service.check_item(session, item)
            check_department(principal, item.department_code)
        except ValidationError as exc:
            for err in exc.errors():
                path = ".".join(str(p) for p in err.get("loc", ())) or "row"
                problems.append(ImportProblem(row=n, code=code, field=path, message=err.get("msg", "invalid")))
            continue
        except ValueError as exc:
            problems.append(ImportProblem(row=n, code=code, field="materials", message=str(exc)))
            continue
        except DomainError as exc:
            problems.append(ImportProblem(row=n, code=code, field=exc.field or "row", message=exc.detail))
            continue
        valid.append(item)
    apply = not dry_run and not problems and bool(valid)
    if apply:
        for item in valid:
            if service.exists(session, item.code):
                item = _keeping_guide(session, item)
                service.save_draft(session, principal=principal, code=item.code, data=item)
            else:
                service.create_item(session, principal=principal, data=item)
    return ImportReport(
        dry_run=dry_run,
        applied=apply,
        rows=len(rows),
        valid_rows=len(valid),
        rejected=problems,
        codes=[i.code for i in valid],
    )
