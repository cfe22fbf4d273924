"""Demo data: a county's departments and five service items (two approved instantly)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service_management.models import Department, Item
from service_management.rules import decision_table

DIVISION = "330122"

DEPARTMENTS = [
    ("amr", "示范县市场监督管理局"),
    ("psb", "示范县公安局"),
    ("hrss", "示范县人力资源和社会保障局"),
]


def _field(name: str, label: str, kind: str = "string", required: bool = True) -> dict[str, Any]:
    return {"name": name, "label": label, "type": kind, "required": required}


ITEMS: list[dict[str, Any]] = [
    {
        "code": f"{DIVISION}-AMR-XK-0001",
        "name": "个体工商户设立登记",
        "item_type": "licensing",
        "department_code": "amr",
        "audience": ["person"],
        "instant_approval": True,
        "statutory_days": 15,
        "committed_days": 1,
        "legal_basis": "《促进个体工商户发展条例》第八条",
        "description": "申请设立个体工商户，资料齐全、符合条件的即时办结（秒批）。",
        "form_fields": [
            _field("business_name", "个体工商户名称"),
            _field("business_address", "经营场所"),
            _field("business_scope", "经营范围", "text"),
            _field("capital", "资金数额（万元）", "number"),
        ],
        "license_type": "business_license",
        "license_name": "营业执照",
        "rule": decision_table(
            "个体工商户设立秒批规则",
            [("applicant.age", "申请人年龄"), ("form.capital", "资金数额（万元）")],
            [
                (["< 18", ""], False, "申请人未满十八周岁，转人工审核"),
                (["", "> 100"], False, "资金数额超过100万元，转人工审核"),
                (["", ""], True, "符合秒批条件"),
            ],
        ),
        "rule_version": 1,
    },
    {
        "code": f"{DIVISION}-AMR-XK-0002",
        "name": "食品经营许可",
        "item_type": "licensing",
        "department_code": "amr",
        "audience": ["person", "entity"],
        "instant_approval": False,
        "statutory_days": 20,
        "committed_days": 10,
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "description": "从事食品销售和餐饮服务，应当依法取得食品经营许可。",
        "form_fields": [
            _field("business_name", "经营者名称"),
            _field("business_address", "经营场所"),
            _field("food_category", "经营项目"),
            _field("floor_area", "经营场所面积（平方米）", "number"),
        ],
        "license_type": "food_business_license",
        "license_name": "食品经营许可证",
        "rule": None,
        "rule_version": None,
    },
    {
        "code": f"{DIVISION}-PSB-XK-0001",
        "name": "居住证申领",
        "item_type": "public_service",
        "department_code": "psb",
        "audience": ["person"],
        "instant_approval": True,
        "statutory_days": 15,
        "committed_days": 1,
        "legal_basis": "《居住证暂行条例》第九条",
        "description": "在居住地居住半年以上，符合条件的可申领居住证。",
        "form_fields": [
            _field("residence_address", "居住地址"),
            _field("residence_months", "已居住时长（月）", "integer"),
            _field("employer", "就业单位", required=False),
        ],
        "license_type": "residence_permit",
        "license_name": "居住证",
        "rule": decision_table(
            "居住证秒批规则",
            [("form.residence_months", "已居住时长（月）")],
            [
                (["< 6"], False, "居住未满半年，转人工审核"),
                ([""], True, "居住满半年，符合申领条件"),
            ],
        ),
        "rule_version": 1,
    },
    {
        "code": f"{DIVISION}-HRSS-QR-0001",
        "name": "就业登记",
        "item_type": "confirmation",
        "department_code": "hrss",
        "audience": ["person"],
        "instant_approval": False,
        "statutory_days": 10,
        "committed_days": 5,
        "legal_basis": "《就业服务与就业管理规定》第六十二条",
        "description": "劳动者被用人单位招用后办理就业登记，发放就业创业证。",
        "form_fields": [
            _field("employer", "用人单位名称"),
            _field("start_date", "入职日期", "date"),
            _field("position", "岗位"),
        ],
        "license_type": "employment_certificate",
        "license_name": "就业创业证",
        "rule": None,
        "rule_version": None,
    },
    {
        "code": f"{DIVISION}-HRSS-GG-0001",
        "name": "社会保障卡申领",
        "item_type": "public_service",
        "department_code": "hrss",
        "audience": ["person"],
        "instant_approval": True,
        "statutory_days": 10,
        "committed_days": 1,
        "legal_basis": "《社会保险法》第五十八条",
        "description": "参保人员申领社会保障卡（电子社保卡即时签发）。",
        "form_fields": [
            _field("mailing_address", "卡片邮寄地址"),
            _field("bank", "合作银行"),
        ],
        "license_type": "social_security_card",
        "license_name": "社会保障卡",
        "rule": decision_table(
            "社会保障卡秒批规则",
            [("applicant.age", "申请人年龄")],
            [
                (["< 16"], False, "未满十六周岁，由监护人到窗口办理"),
                ([""], True, "符合申领条件"),
            ],
        ),
        "rule_version": 1,
    },
]


def seed_demo(session: Session) -> None:
    """Insert what is missing; running it again changes nothing."""
    for code, name in DEPARTMENTS:
        if session.get(Department, code) is None:
            session.add(Department(code=code, name=name, division_code=DIVISION))
    session.flush()
    for spec in ITEMS:
        exists = session.scalars(select(Item.id).where(Item.code == spec["code"])).first()
        if exists is None:
            session.add(Item(version=1, status="published", **spec))
