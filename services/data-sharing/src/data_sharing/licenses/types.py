"""Licence types: the built-in ones of the demo items, and the admin's additions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_sharing.licenses.models import LicenseType
from data_sharing.licenses.schemas import LicenseTypeIn
from gov_common.auth import Principal, Roles
from gov_common.errors import Conflict, Forbidden, NotFound
from gov_common.pagination import PageRequest


def _f(name: str, label: str, required: bool = True) -> dict[str, Any]:
    return {"name": name, "label": label, "required": required}


BUILTIN_TYPES: list[dict[str, Any]] = [
    {
        "code": "business_license",
        "name": "营业执照",
        "issuer_department": "amr",
        "validity_years": None,
        "fields": [
            _f("business_name", "名称"),
            _f("business_address", "经营场所"),
            _f("business_scope", "经营范围"),
            _f("capital", "资金数额（万元）", False),
            # What the amr handler writes on an individual business's licence besides the form's answers.
            _f("name", "名称", False),
            _f("operator", "经营者", False),
            _f("organization_form", "组成形式", False),
            _f("registered_on", "注册日期", False),
        ],
    },
    {
        "code": "food_business_license",
        "name": "食品经营许可证",
        "issuer_department": "amr",
        "validity_years": 5,
        "fields": [
            _f("business_name", "经营者名称"),
            _f("business_address", "经营场所"),
            _f("food_category", "经营项目"),
        ],
    },
    {
        "code": "residence_permit",
        "name": "居住证",
        "issuer_department": "psb",
        "validity_years": 1,
        "fields": [_f("residence_address", "居住地址"), _f("employer", "就业单位", False)],
    },
    {
        "code": "employment_certificate",
        "name": "就业创业证",
        "issuer_department": "hrss",
        "validity_years": None,
        "fields": [_f("employer", "用人单位名称"), _f("start_date", "入职日期"), _f("position", "岗位")],
    },
    {
        "code": "social_security_card",
        "name": "社会保障卡",
        "issuer_department": "hrss",
        "validity_years": 10,
        "fields": [_f("mailing_address", "卡片邮寄地址", False), _f("bank", "合作银行", False)],
    },
]


def sync_builtin_types(session: Session) -> None:
    """Register the built-in types that are missing; the admin's edits stand."""
    for spec in BUILTIN_TYPES:
        if session.get(LicenseType, spec["code"]) is None:
            session.add(LicenseType(**spec))


def list_types(session: Session, *, page: PageRequest) -> tuple[list[LicenseType], int]:
    total = session.scalar(select(func.count()).select_from(LicenseType)) or 0
    types = session.scalars(select(LicenseType).order_by(LicenseType.code).offset(page.offset).limit(page.page_size))
    return list(types), total


def get_type(session: Session, *, code: str) -> LicenseType:
    found = session.get(LicenseType, code)
    if found is None:
        raise NotFound(f"证照类型 {code} 不存在")
    return found


def register_type(session: Session, *, principal: Principal, body: LicenseTypeIn) -> LicenseType:
    if not principal.has_role(Roles.ADMIN):
        raise Forbidden("仅系统管理员可以登记证照类型")
    if session.get(LicenseType, body.code) is not None:
        raise Conflict(f"证照类型 {body.code} 已存在", field="code")
    license_type = LicenseType(
        code=body.code,
        name=body.name,
        issuer_department=body.issuer_department,
        fields=[f.model_dump() for f in body.fields],
        validity_years=body.validity_years,
    )
    session.add(license_type)
    session.flush()
    return license_type
