"""The registries as data: for each resource its table, key, CSV columns with their rules,
cross-field checks, the fields it serves and its duplicate key. Import, queries, the catalogue
and the quality reports all read these definitions, so a rule is written once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from data_sharing.base import Base
from data_sharing.registries import rules
from data_sharing.registries.models import Division, EconomicIndicator, LegalEntity, Person, ServiceHall
from data_sharing.registries.rules import Column, Context

# (field, message) pairs for a row that parsed column by column but is wrong as a whole.
Check = Callable[[dict[str, Any], Context], list[tuple[str, str]]]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str


@dataclass(frozen=True)
class CrossCheck:
    rule: str
    description: str
    check: Check


@dataclass(frozen=True)
class RegistryDefinition:
    resource: str
    name: str
    description: str
    model: type[Base]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    fields: tuple[FieldSpec, ...]
    owner_department: str
    sharing_type: str
    update_frequency: str
    personal: bool
    duplicate_key: tuple[str, ...] | None
    checks: tuple[CrossCheck, ...] = ()
    # Values derived from the row rather than given in it (a person's birth date from the ID number).
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_record(definition: RegistryDefinition, row: Base) -> dict[str, Any]:
    return {name: _json(getattr(row, name)) for name in definition.field_names}


def key_of(definition: RegistryDefinition, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(k) for k in definition.key)


# ---- cross-field checks -------------------------------------------------------------------------


def _person_consistent_with_id(row: dict[str, Any], _ctx: Context) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    gender, born = rules.id_number_facts(row["id_number"])
    if row.get("gender") not in (None, gender):
        errors.append(("gender", f"the ID number says {gender}"))
    if row.get("birth_date") not in (None, born):
        errors.append(("birth_date", f"the ID number says {born.isoformat()}"))
    return errors


def _division_hierarchy(row: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
    code, parent = row["code"], row.get("parent_code")
    level = division_level(code)
    if level == "province":
        return [("parent_code", "a province has no parent")] if parent else []
    if not parent:
        return [("parent_code", f"a {level} needs its parent division")]
    allowed = {code[:2] + "0000", code[:4] + "00"} - {code}
    if parent not in allowed:
        return [("parent_code", f"the parent of {code} is one of {', '.join(sorted(allowed))}")]
    if parent not in ctx.division_codes:
        return [("parent_code", f"division {parent} does not exist (a parent comes before its children)")]
    return []


def division_level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def _person_derive(row: dict[str, Any]) -> dict[str, Any]:
    gender, born = rules.id_number_facts(row["id_number"])
    return {"gender": gender, "birth_date": born}


def _division_derive(row: dict[str, Any]) -> dict[str, Any]:
    return {"level": division_level(row["code"]), "parent_code": row.get("parent_code") or None}


def _entity_derive(row: dict[str, Any]) -> dict[str, Any]:
    return {"status": row.get("status") or "active"}


# ---- the five registry resources ----------------------------------------------------------------

POPULATION = RegistryDefinition(
    resource="population",
    name="人口库",
    description="自然人：身份、户籍、居住地和联系方式。",
    model=Person,
    key=("id_number",),
    columns=(
        rules.resident_id("id_number", "公民身份号码"),
        rules.text("name", "姓名", 100, required=True),
        rules.choice("gender", "性别", "male", "female"),
        rules.past_date("birth_date", "出生日期"),
        rules.text("ethnicity", "民族", 32),
        rules.division("household_division_code", "户籍地行政区划"),
        rules.text("residence_address", "居住地址", 200),
        rules.pattern("phone", "联系电话", rules.PHONE, "a phone number"),
    ),
    fields=(
        FieldSpec("id_number", "公民身份号码"),
        FieldSpec("name", "姓名"),
        FieldSpec("gender", "性别"),
        FieldSpec("birth_date", "出生日期"),
        FieldSpec("ethnicity", "民族"),
        FieldSpec("household_division_code", "户籍地行政区划"),
        FieldSpec("residence_address", "居住地址"),
        FieldSpec("phone", "联系电话"),
    ),
    owner_department="psb",
    sharing_type="conditional",
    update_frequency="daily",
    personal=True,
    duplicate_key=("name", "birth_date", "residence_address"),
    checks=(
        CrossCheck(
            "consistent_with_id_number",
            "gender and birth date, when given, agree with the ID number",
            _person_consistent_with_id,
        ),
    ),
    derive=_person_derive,
)

LEGAL_ENTITIES = RegistryDefinition(
    resource="legal-entities",
    name="法人库",
    description="法人及其他登记的市场主体，以统一社会信用代码标识。",
    model=LegalEntity,
    key=("uscc",),
    columns=(
        rules.uscc("uscc", "统一社会信用代码"),
        rules.text("name", "名称", 200, required=True),
        rules.choice(
            "entity_type",
            "主体类型",
            "enterprise",
            "individual_business",
            "farmer_cooperative",
            "public_institution",
            "social_organization",
            required=True,
        ),
        rules.text("legal_representative", "法定代表人", 100, required=True),
        rules.resident_id("legal_representative_id_number", "法定代表人身份证号码", required=False),
        rules.number("registered_capital", "注册资本（万元）", minimum="0"),
        rules.past_date("established_on", "成立日期"),
        rules.division("division_code", "住所行政区划"),
        rules.text("address", "住所", 200),
        rules.text("business_scope", "经营范围", 2000),
        rules.choice("status", "登记状态", "active", "cancelled", "revoked"),
    ),
    fields=(
        FieldSpec("uscc", "统一社会信用代码"),
        FieldSpec("name", "名称"),
        FieldSpec("entity_type", "主体类型"),
        FieldSpec("legal_representative", "法定代表人"),
        FieldSpec("legal_representative_id_number", "法定代表人身份证号码"),
        FieldSpec("registered_capital", "注册资本（万元）"),
        FieldSpec("established_on", "成立日期"),
        FieldSpec("division_code", "住所行政区划"),
        FieldSpec("address", "住所"),
        FieldSpec("business_scope", "经营范围"),
        FieldSpec("status", "登记状态"),
    ),
    owner_department="amr",
    sharing_type="conditional",
    update_frequency="daily",
    personal=True,
    duplicate_key=("name",),
    derive=_entity_derive,
)

DIVISIONS = RegistryDefinition(
    resource="divisions",
    name="空间地理库：行政区划",
    description="行政区划（GB/T 2260）及其层级。",
    model=Division,
    key=("code",),
    columns=(
        rules.division_code("code", "行政区划代码"),
        rules.text("name", "名称", 100, required=True),
        rules.division_code("parent_code", "上级行政区划", required=False),
    ),
    fields=(
        FieldSpec("code", "行政区划代码"),
        FieldSpec("name", "名称"),
        FieldSpec("level", "级别"),
        FieldSpec("parent_code", "上级行政区划"),
    ),
    owner_department="nrb",
    sharing_type="unconditional",
    update_frequency="yearly",
    personal=False,
    duplicate_key=("parent_code", "name"),
    checks=(
        CrossCheck(
            "hierarchy",
            "a province has no parent; a city's or county's parent exists and is its prefix ancestor",
            _division_hierarchy,
        ),
    ),
    derive=_division_derive,
)

SERVICE_HALLS = RegistryDefinition(
    resource="service-halls",
    name="空间地理库：政务服务大厅",
    description="政务服务大厅及其地址和坐标（WGS 84）。",
    model=ServiceHall,
    key=("code",),
    columns=(
        rules.pattern("code", "大厅编码", rules.CODE, "a code of letters, digits, '.', '_' or '-'", required=True),
        rules.text("name", "名称", 100, required=True),
        rules.division("division_code", "行政区划"),
        rules.text("address", "地址", 200, required=True),
        rules.number("longitude", "经度", minimum="73.4", maximum="135.1", required=True),
        rules.number("latitude", "纬度", minimum="3.8", maximum="53.6", required=True),
        rules.pattern("phone", "咨询电话", rules.PHONE, "a phone number"),
        rules.text("opening_hours", "办公时间", 100),
    ),
    fields=(
        FieldSpec("code", "大厅编码"),
        FieldSpec("name", "名称"),
        FieldSpec("division_code", "行政区划"),
        FieldSpec("address", "地址"),
        FieldSpec("longitude", "经度"),
        FieldSpec("latitude", "纬度"),
        FieldSpec("phone", "咨询电话"),
        FieldSpec("opening_hours", "办公时间"),
    ),
    owner_department="nrb",
    sharing_type="unconditional",
    update_frequency="monthly",
    personal=False,
    duplicate_key=("division_code", "name"),
)

ECONOMIC_INDICATORS = RegistryDefinition(
    resource="economic-indicators",
    name="宏观经济库",
    description="按行政区划和统计期（年、季度、月）的宏观经济指标。",
    model=EconomicIndicator,
    key=("indicator_code", "division_code", "period"),
    columns=(
        rules.pattern(
            "indicator_code", "指标编码", rules.CODE, "a code of letters, digits, '.', '_' or '-'", required=True
        ),
        rules.text("indicator_name", "指标名称", 100, required=True),
        rules.division("division_code", "行政区划"),
        rules.pattern("period", "统计期", rules.PERIOD, "a period YYYY, YYYY-Qn or YYYY-MM", required=True),
        rules.number("value", "数值", required=True),
        rules.text("unit", "计量单位", 32, required=True),
    ),
    fields=(
        FieldSpec("indicator_code", "指标编码"),
        FieldSpec("indicator_name", "指标名称"),
        FieldSpec("division_code", "行政区划"),
        FieldSpec("period", "统计期"),
        FieldSpec("value", "数值"),
        FieldSpec("unit", "计量单位"),
    ),
    owner_department="stats",
    sharing_type="unconditional",
    update_frequency="monthly",
    personal=False,
    duplicate_key=None,  # (indicator, division, period) is unique by constraint
)

REGISTRIES: dict[str, RegistryDefinition] = {
    d.resource: d for d in (POPULATION, LEGAL_ENTITIES, DIVISIONS, SERVICE_HALLS, ECONOMIC_INDICATORS)
}
