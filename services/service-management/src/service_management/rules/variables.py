"""The variables a condition may test, named for people: what the rule engine is given as facts
for an item's decision table (rules/service.py `facts_for`), and what its case process is given as
data (cases/service.py `_process_variables`, the intake and decision steps). Staff pick a variable
from this list instead of typing its path; the path stays what the engine reads."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.errors import NotFound
from service_management.catalogue.service import ItemStatus
from service_management.models import Item

VariableType = Literal["number", "integer", "text", "date", "boolean", "enum"]
Context = Literal["decision_table", "process"]

# A form field's type as the form schema names it -> the type a condition is built for.
_FORM_TYPES: dict[str, VariableType] = {
    "string": "text",
    "text": "text",
    "number": "number",
    "integer": "integer",
    "date": "date",
    "boolean": "boolean",
}

_APPLICANT_TYPE = {
    "path": "applicant.type",
    "label": "申请人类型",
    "type": "enum",
    "group": "applicant",
    "options": [{"value": "person", "label": "个人"}, {"value": "entity", "label": "法人"}],
}

# The facts service-management gives the decision table besides the form (rules/service.py facts_for,
# rules/credit.py CreditStatus.facts): age only for a person with an 18-digit ID number.
_DECISION_FACTS: list[dict[str, Any]] = [
    _APPLICANT_TYPE,
    {"path": "applicant.age", "label": "申请人年龄（周岁）", "type": "integer", "group": "applicant"},
    {"path": "applicant.credit.black_listed", "label": "申请人列入失信名单", "type": "boolean", "group": "credit"},
    {"path": "applicant.credit.red_listed", "label": "申请人列入守信红名单", "type": "boolean", "group": "credit"},
]

# The data a case's process holds: given at the start (cases/service.py _process_variables), set when
# intake is decided (accept / reject) and when the department decides (cases/consumers.py).
_PROCESS_DATA: list[dict[str, Any]] = [
    {
        "path": "channel",
        "label": "申请渠道",
        "type": "enum",
        "group": "case",
        "options": [{"value": "online", "label": "网上申请"}, {"value": "window", "label": "窗口申请"}],
    },
    _APPLICANT_TYPE,
    {"path": "bundle", "label": "属于“一件事”联办申请", "type": "boolean", "group": "case"},
    {
        "path": "intake_result",
        "label": "受理结果",
        "type": "enum",
        "group": "case",
        "options": [{"value": "accepted", "label": "予以受理"}, {"value": "rejected", "label": "不予受理"}],
    },
    {
        "path": "decision",
        "label": "审批决定",
        "type": "enum",
        "group": "case",
        "options": [{"value": "approve", "label": "准予"}, {"value": "deny", "label": "不予"}],
    },
    {"path": "licence_expected", "label": "将签发电子证照", "type": "boolean", "group": "case"},
]


def _item(session: Session, item_code: str) -> Item:
    """The version cases are filed on (the latest published), else the latest draft being prepared."""
    rows = session.scalars(select(Item).where(Item.code == item_code).order_by(Item.version.desc())).all()
    published = next((i for i in rows if i.status == ItemStatus.PUBLISHED), None)
    item = published or (rows[0] if rows else None)
    if item is None:
        raise NotFound(f"事项 {item_code} 不存在", field="item_code")
    return item


def form_variables(item: Item) -> list[dict[str, Any]]:
    return [
        {
            "path": f"form.{field['name']}",
            "label": str(field.get("label") or field["name"]),
            "type": _FORM_TYPES.get(str(field.get("type")), "text"),
            "group": "form",
            "options": [],
        }
        for field in item.form_fields or []
        if isinstance(field, dict) and field.get("name")
    ]


def variables(session: Session, *, item_code: str, context: Context) -> list[dict[str, Any]]:
    """The variables of the item's decision table (context `decision_table`) or of its case process."""
    item = _item(session, item_code)
    fixed = _DECISION_FACTS if context == "decision_table" else _PROCESS_DATA
    return [{"options": [], **v} for v in fixed] + form_variables(item)


def labels(item: Item, context: Context) -> dict[str, str]:
    """Path -> Chinese name of every variable of the item's decision table or case process: how a
    refusal or an explanation names what a condition reads."""
    fixed = _DECISION_FACTS if context == "decision_table" else _PROCESS_DATA
    return {str(v["path"]): str(v["label"]) for v in [*fixed, *form_variables(item)]}
