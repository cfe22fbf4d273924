"""Bulk import of items from CSV or .xlsx: every row checked, nothing applied unless all are valid.

Columns (first row, each by its Chinese name as in the template, or by its key): code, name, item_type,
department_code, legal_basis, statutory_days, committed_days, fee_amount (empty: free), fee_basis,
online_depth, channels, audience, themes, keywords, description, materials. List cells are separated by
`;`. A material is `code|name|form|required or optional|licence type (may be empty)`. Each problem names
the row and the column by its Chinese name in the template (import_problems.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from gov_common.auth import Principal
from gov_common.errors import DomainError, InvalidField
from service_management.catalogue import service
from service_management.catalogue.schemas import ImportReport, ItemIn, ServiceGuide
from service_management.deps import check_department
from service_management.import_problems import ImportColumns, ImportProblem
from service_management.tabular import read_rows, split_list

# Every column `row_to_item` reads, in order, with its Chinese name: the header row of the import
# template (import_templates.py, which describes each), and how an import's problems name them.
COLUMN_LABELS = {
    "code": "事项编码",
    "name": "事项名称",
    "item_type": "事项类型",
    "department_code": "实施部门",
    "legal_basis": "设定依据",
    "statutory_days": "法定办结时限",
    "committed_days": "承诺办结时限",
    "fee_amount": "收费金额",
    "fee_basis": "收费依据",
    "online_depth": "网办深度",
    "channels": "办理渠道",
    "audience": "服务对象",
    "themes": "主题",
    "keywords": "关键词",
    "description": "事项说明",
    "materials": "申请材料",
}
COLUMNS = list(COLUMN_LABELS)
REQUIRED_COLUMNS = COLUMNS[:7]
# A material in the `materials` cell: `编码|名称|形式|是否必需|可代替的证照类型`.
MATERIAL_PARTS = {
    "code": "材料编码",
    "name": "材料名称",
    "form": "材料形式",
    "required": "是否必需",
    "license_type": "证照类型",
}
PROBLEMS = ImportColumns(
    COLUMN_LABELS,
    # A charged item without its basis is refused by the fee as a whole: the basis is what is missing.
    paths={"fee.amount": "fee_amount", "fee.basis": "fee_basis", "fee": "fee_basis"},
    parts={"materials": ("项材料", MATERIAL_PARTS)},
)


class MaterialFormatError(ValueError):
    """A material in the `materials` cell that is not `编码|名称|形式|是否必需|证照类型`."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


def _material(index: int, text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 4:
        raise MaterialFormatError(index, "应写作 编码|名称|形式|是否必需|可代替的证照类型（证照类型可留空）")
    if parts[3] not in ("required", "optional", "必需", "可选"):
        raise MaterialFormatError(
            index, f"的是否必需应为 required（或 必需）、optional（或 可选），不是“{parts[3][:20]}”"
        )
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
        "materials": [_material(n, m) for n, m in enumerate(split_list(row.get("materials", "")))],
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
    rows = read_rows(data, filename, labels=COLUMN_LABELS)
    problems: list[ImportProblem] = []
    valid: list[ItemIn] = []
    first_row: dict[str, int] = {}  # code -> the row that gave it
    missing = [c for c in REQUIRED_COLUMNS if rows and c not in rows[0]]
    problems.extend(PROBLEMS.missing_column(column) for column in missing)
    for n, row in enumerate(rows if not missing else [], start=2):  # row 1 holds the headers
        code = row.get("code") or None
        try:
            if code in first_row:
                raise InvalidField(
                    "code", f"该编码在第 {first_row[code]} 行已出现，同一文件中不得重复", code="duplicate_code"
                )
            if code:
                first_row[code] = n
            item = ItemIn.model_validate(row_to_item(row))
            service.check_item(session, item)
            check_department(principal, item.department_code)
        except ValidationError as exc:
            problems.extend(PROBLEMS.invalid(n, exc, row, code=code))
            continue
        except MaterialFormatError as exc:
            problems.append(
                PROBLEMS.problem(
                    n,
                    f"materials.{exc.index}",
                    exc.reason,
                    error_code="material_format",
                    code=code,
                    part=f"第 {exc.index + 1} 项材料",
                )
            )
            continue
        except DomainError as exc:
            problems.append(PROBLEMS.refused(n, exc, code=code))
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
