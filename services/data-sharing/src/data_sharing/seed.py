"""Demo data: a realistic subset of GB/T 2260 (浙江省 → 杭州市 → 桐庐县 330122, and the divisions of
the demo ID numbers), service halls, persons, entities, indicators and credit records. Only with
seed_demo; running it again changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_sharing.credit.models import CreditRecord
from data_sharing.registries.definitions import division_level
from data_sharing.registries.models import Division, EconomicIndicator, LegalEntity, Person, ServiceHall
from data_sharing.registries.rules import id_number_facts
from gov_common.db import utcnow

DIVISIONS: list[tuple[str, str, str | None]] = [
    ("110000", "北京市", None),
    ("110100", "市辖区", "110000"),
    ("110101", "东城区", "110100"),
    ("110102", "西城区", "110100"),
    ("110105", "朝阳区", "110100"),
    ("320000", "江苏省", None),
    ("320100", "南京市", "320000"),
    ("320102", "玄武区", "320100"),
    ("330000", "浙江省", None),
    ("330100", "杭州市", "330000"),
    ("330102", "上城区", "330100"),
    ("330105", "拱墅区", "330100"),
    ("330106", "西湖区", "330100"),
    ("330108", "滨江区", "330100"),
    ("330109", "萧山区", "330100"),
    ("330110", "余杭区", "330100"),
    ("330111", "富阳区", "330100"),
    ("330112", "临安区", "330100"),
    ("330122", "桐庐县", "330100"),
    ("330127", "淳安县", "330100"),
    ("330182", "建德市", "330100"),
]

HALLS: list[dict[str, Any]] = [
    {
        "code": "330122-HALL-01",
        "name": "桐庐县行政服务中心",
        "division_code": "330122",
        "address": "浙江省杭州市桐庐县城南街道迎春南路278号",
        "longitude": Decimal("119.691467"),
        "latitude": Decimal("29.793089"),
        "phone": "0571-64216000",
        "opening_hours": "周一至周五 8:30-12:00 13:30-17:00",
    },
    {
        "code": "330100-HALL-01",
        "name": "杭州市民中心行政服务中心",
        "division_code": "330100",
        "address": "浙江省杭州市上城区解放东路18号",
        "longitude": Decimal("120.211634"),
        "latitude": Decimal("30.245983"),
        "phone": "0571-12345",
        "opening_hours": "周一至周五 9:00-17:00",
    },
]

PERSONS: list[dict[str, Any]] = [
    {"id_number": "11010519491231002X", "name": "张三", "household_division_code": "110105",
     "residence_address": "浙江省杭州市桐庐县城南街道人民路1号", "phone": "13800138000", "ethnicity": "汉族"},
    {"id_number": "33012219920202001X", "name": "钱多多", "household_division_code": "330122",
     "residence_address": "浙江省杭州市桐庐县桐君街道滨江路8号", "phone": "13900139001", "ethnicity": "汉族"},
    {"id_number": "110101199003077758", "name": "李四", "household_division_code": "110101",
     "residence_address": "浙江省杭州市桐庐县旧县街道富春路12号", "phone": "13700137002", "ethnicity": "汉族"},
]  # fmt: skip

ENTITIES: list[dict[str, Any]] = [
    {"uscc": "91330122MA28D0K3XN", "name": "桐庐富春江茶业有限公司", "entity_type": "enterprise",
     "legal_representative": "钱多多", "legal_representative_id_number": "33012219920202001X",
     "registered_capital": Decimal("200"), "established_on": date(2016, 5, 18),
     "division_code": "330122", "address": "浙江省杭州市桐庐县富春江镇茶园路3号",
     "business_scope": "茶叶种植、加工、销售", "status": "active"},
    {"uscc": "92330122MA2H7R5L09", "name": "桐庐县张三小吃店", "entity_type": "individual_business",
     "legal_representative": "张三", "legal_representative_id_number": "11010519491231002X",
     "registered_capital": Decimal("5"), "established_on": date(2021, 3, 2),
     "division_code": "330122", "address": "浙江省杭州市桐庐县城南街道人民路1号", "business_scope": "小吃服务",
     "status": "active"},
]  # fmt: skip

INDICATORS: list[tuple[str, str, str, str, str, str]] = [
    ("GDP", "地区生产总值", "330122", "2023", "470.5", "亿元"),
    ("GDP", "地区生产总值", "330122", "2024", "492.1", "亿元"),
    ("POP_RESIDENT", "常住人口", "330122", "2024", "45.6", "万人"),
    ("GDP", "地区生产总值", "330100", "2024", "21860.0", "亿元"),
]

CREDIT: list[dict[str, Any]] = [
    {"subject": "91330122MA28D0K3XN", "subject_type": "entity", "list": "red", "reason": "A级纳税人（2024年度）",
     "source_department": "tax", "valid_from": date(2025, 4, 1), "valid_until": date(2026, 12, 31)},
    {"subject": "92330122MA2H7R5L09", "subject_type": "entity", "list": "black",
     "reason": "拒不履行法院生效判决（失信被执行人）", "source_department": "court", "valid_from": date(2025, 1, 10),
     "valid_until": None},
]  # fmt: skip


def seed_demo(session: Session) -> None:
    now = utcnow()
    for code, name, parent in DIVISIONS:
        if session.get(Division, code) is None:
            session.add(Division(code=code, name=name, level=division_level(code), parent_code=parent, updated_at=now))
            session.flush()  # parents before children
    for hall in HALLS:
        if session.get(ServiceHall, hall["code"]) is None:
            session.add(ServiceHall(**hall, updated_at=now))
    for person in PERSONS:
        if session.get(Person, person["id_number"]) is None:
            gender, born = id_number_facts(person["id_number"])
            session.add(Person(**person, gender=gender, birth_date=born, updated_at=now))
    for entity in ENTITIES:
        if session.get(LegalEntity, entity["uscc"]) is None:
            session.add(LegalEntity(**entity, updated_at=now))
    for code, name, division, period, value, unit in INDICATORS:
        exists = session.scalars(
            select(EconomicIndicator.id).where(
                EconomicIndicator.indicator_code == code,
                EconomicIndicator.division_code == division,
                EconomicIndicator.period == period,
            )
        ).first()
        if exists is None:
            session.add(
                EconomicIndicator(
                    indicator_code=code,
                    indicator_name=name,
                    division_code=division,
                    period=period,
                    value=Decimal(value),
                    unit=unit,
                    updated_at=now,
                )
            )
    for record in CREDIT:
        exists = session.scalars(
            select(CreditRecord.id).where(
                CreditRecord.subject == record["subject"], CreditRecord.list == record["list"]
            )
        ).first()
        if exists is None:
            session.add(CreditRecord(**record, created_at=now, created_by="demo"))
