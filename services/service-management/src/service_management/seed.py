"""Demo data: a county's departments, six service items with their standard fields and materials
(three approved instantly when their decision table says so) and two bundles (opening a restaurant, both items
amr's; coming to work in the county: hrss and psb)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.db import utcnow
from service_management.catalogue.service import refresh_search
from service_management.demo_history import seed_history
from service_management.models import Bundle, DecisionTable, Department, Item
from service_management.rules.service import current_table
from service_management.rules.tables import decision_table

DIVISION = "330122"

# The county's departments: those implementing the demo's items, and those that own shared data
# (data-sharing's catalogue names them as owners) without implementing one of them yet.
DEPARTMENTS = [
    ("amr", "示范县市场监督管理局"),
    ("psb", "示范县公安局"),
    ("hrss", "示范县人力资源和社会保障局"),
    ("ndrc", "示范县发展和改革局"),
    ("stats", "示范县统计局"),
    ("bdb", "示范县大数据发展管理局"),
    ("nrb", "示范县自然资源和规划局"),
]
# A county department's acts are reconsidered by the county government (行政复议法 2023, art. 24) and
# heard by the county's basic court (行政诉讼法 art. 18).
RECONSIDERATION_BODY = "示范县人民政府"
LITIGATION_COURT = "示范县人民法院"

# The county's administrative service centre: where and when its windows are open.
CENTRE = "示范县行政服务中心（示范县迎宾大道 88 号）"
HOURS = "周一至周五（法定节假日除外）上午 8:30—12:00，下午 14:00—17:30"
COMPLAINTS = "0571-12345、12345"


def _guide(
    conditions: list[str],
    steps: list[tuple[str, str, int | None]],
    *,
    window: str,
    phone: str,
    visits: int,
    delivery: list[str],
    booking: bool = True,
) -> dict[str, Any]:
    return {
        "acceptance_conditions": conditions,
        "process_steps": [{"name": n, "description": d, "days": days} for n, d, days in steps],
        "location": f"{CENTRE}{window}",
        "hours": HOURS,
        "consultation_phone": phone,
        "complaint_phone": COMPLAINTS,
        "visits": visits,
        "result_delivery": delivery,
        "booking": booking,
    }


FREE: dict[str, Any] = {"free": True, "amount": None, "basis": None}


def _material(
    code: str,
    name: str,
    form: str,
    *,
    required: bool,
    license_type: str | None = None,
    copies: int = 1,
    source: str = "applicant",
    note: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "form": form,
        "required": required,
        "license_type": license_type,
        "accepted_trust_levels": ["A", "B"],
        "copies": copies,
        "source": source,
        "note": note,
    }


def _field(
    name: str, label: str, kind: str = "string", required: bool = True, prefill: str | None = None
) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "label": label, "type": kind, "required": required}
    if prefill:
        field["prefill"] = prefill  # the registry field that fills it in for the applicant (信息多跑路)
    return field


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
            _field("business_division_code", "经营场所所在行政区划", "division", required=False),
        ],
        "fee": FREE,
        "materials": [
            _material("SQS", "个体工商户登记（备案）申请书", "electronic", required=True, note="在线填报后自动生成"),
            _material(
                "SFZM",
                "经营者身份证明（实名认证核验）",
                "electronic",
                required=True,
                copies=0,
                source="government",
                note="实名认证时已核验，无需另行提交",
            ),
            _material("CSZM", "经营场所使用证明（已作住所申报承诺的免交）", "copy", required=False),
        ],
        "online_depth": "zero_visits",
        "channels": ["online", "window", "mobile"],
        "guide": _guide(
            [
                "经营者为有经营能力的自然人",
                "个体工商户名称符合名称登记管理规定",
                "经营场所真实、合法，经营范围不属于禁止类项目",
            ],
            [
                ("申请", "登录示范县政务服务网在线填报，或到窗口提交材料", None),
                ("受理", "材料齐全、符合法定形式的当场受理", None),
                ("审查与决定", "符合秒批条件的系统即时核准；其他转人工审查", 1),
                ("发证", "电子营业执照即时签发，纸质执照可选邮寄", None),
            ],
            window="二楼 A 区市场监管窗口 1—6 号",
            phone="0571-64120001",
            visits=0,
            delivery=["electronic", "mail", "window"],
        ),
        "themes": ["企业开办", "开办餐饮店"],
        "keywords": ["营业执照", "个体户", "开店", "工商登记"],
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
            _field("business_name", "经营者名称", prefill="legal_entity.name"),
            _field("business_address", "经营场所"),
            _field("food_category", "经营项目"),
            _field("floor_area", "经营场所面积（平方米）", "number"),
        ],
        "fee": FREE,
        "materials": [
            _material("SQS", "食品经营许可申请书", "electronic", required=True),
            _material(
                "YYZZ",
                "营业执照（主体资格证明）",
                "electronic",
                required=False,
                license_type="business_license",
                source="government",
                note="已领取电子营业执照的，系统自动调用",
            ),
            _material("GLZD", "食品安全管理制度（在线承诺）", "electronic", required=True),
            _material("BJT", "主要设备设施布局和操作流程", "copy", required=False, note="加盖公章或经营者签字"),
        ],
        "online_depth": "at_most_one_visit",
        "channels": ["online", "window"],
        "guide": _guide(
            [
                "申请人已取得营业执照等合法主体资格",
                "具有与经营的食品品种、数量相适应的经营场所和设施设备",
                "有专职或者兼职的食品安全管理人员和保证食品安全的规章制度",
            ],
            [
                ("申请", "在线填报申请书并上传材料，或到窗口提交", None),
                ("受理", "材料齐全的当场受理；不齐全的一次性告知补正", None),
                ("审查", "书面审查，必要时现场核查经营场所", 7),
                ("决定", "作出准予或不予许可的书面决定", 3),
                ("送达", "电子许可证即时归集，纸质证书窗口领取或邮寄", None),
            ],
            window="二楼 A 区市场监管窗口 7—10 号",
            phone="0571-64120002",
            visits=1,
            delivery=["electronic", "window", "mail"],
        ),
        "themes": ["开办餐饮店"],
        "keywords": ["食品", "餐饮", "小餐饮", "食品经营许可证"],
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
            _field("residence_address", "居住地址", prefill="population.residence_address"),
            _field("residence_months", "已居住时长（月）", "integer"),
            _field("employer", "就业单位", required=False),
        ],
        "fee": FREE,
        "materials": [
            _material("SQB", "居住证申领登记表", "electronic", required=True),
            _material("ZSZM", "居住地住所证明（租赁合同或房产证明）", "copy", required=False),
        ],
        "online_depth": "zero_visits",
        "channels": ["online", "window", "mobile"],
        "guide": _guide(
            ["离开常住户口所在地，到本县居住半年以上", "有合法稳定就业、合法稳定住所或者连续就读三者之一"],
            [
                ("申请", "在线填报登记表，或到公安派出所、服务中心窗口申请", None),
                ("受理与审核", "符合条件的系统即时核准，其他由户籍民警审核", 1),
                ("制证", "电子居住证即时签发；实体卡制作完成后通知领取", None),
            ],
            window="一楼 C 区公安综合窗口 3—5 号",
            phone="0571-64120110",
            visits=0,
            delivery=["electronic", "window"],
        ),
        "themes": ["户籍与居住"],
        "keywords": ["居住证", "暂住证", "流动人口"],
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
        "fee": FREE,
        "materials": [
            _material("DJB", "就业登记表", "electronic", required=True),
            _material("LDHT", "劳动合同", "copy", required=True, copies=1, note="需有用人单位盖章和劳动者签字的页面"),
        ],
        "online_depth": "at_most_one_visit",
        "channels": ["online", "window"],
        "guide": _guide(
            ["劳动者已被本县用人单位招用", "已订立劳动合同或者形成事实劳动关系"],
            [
                ("申请", "用人单位或劳动者在线提交，或到人社窗口提交", None),
                ("受理", "材料齐全的当场受理", None),
                ("审核", "核对劳动合同与参保信息", 3),
                ("登记", "办结后就业创业证电子证照归集至个人证照夹", 2),
            ],
            window="三楼 B 区人社窗口 1—4 号",
            phone="0571-64120333",
            visits=1,
            delivery=["electronic", "window"],
        ),
        "themes": ["就业创业"],
        "keywords": ["就业", "就业创业证", "劳动合同", "入职"],
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
            _field("mailing_address", "卡片邮寄地址", prefill="population.residence_address"),
            _field("bank", "合作银行"),
        ],
        "fee": FREE,
        "materials": [
            _material("SQB", "社会保障卡申领登记表", "electronic", required=True),
            _material("ZP", "近期免冠证件照（可调用人像库）", "electronic", required=False, source="government"),
        ],
        "online_depth": "zero_visits",
        "channels": ["online", "window", "mobile"],
        "guide": _guide(
            ["已在本县参加基本养老或基本医疗保险", "年满十六周岁（未满十六周岁由监护人到窗口办理）"],
            [
                ("申请", "在线填报或到人社、合作银行网点申请", None),
                ("审核", "符合条件的系统即时核准", None),
                ("制卡与发放", "电子社保卡即时签发；实体卡制作完成后邮寄或到合作银行网点领取", 10),
            ],
            window="三楼 B 区人社窗口 5—8 号",
            phone="0571-64120333",
            visits=0,
            delivery=["electronic", "mail"],
        ),
        "themes": ["社会保障"],
        "keywords": ["社保卡", "社会保障卡", "医保", "电子社保卡"],
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
    {
        # 免申即享: decided from registry facts alone (age from the ID number, household registration
        # from the population registry), with no materials; offered to those who qualify
        # (docs/personal-services.md) and filed with one confirmation.
        "code": f"{DIVISION}-HRSS-GF-0001",
        "name": "高龄津贴发放",
        "item_type": "benefit",
        "department_code": "hrss",
        "audience": ["person"],
        "instant_approval": True,
        "statutory_days": 20,
        "committed_days": 5,
        "legal_basis": "《中华人民共和国老年人权益保障法》第三十三条",
        "description": "户籍在本县、年满八十周岁的老年人按月领取高龄津贴；符合条件的免申即享，确认即可领取。",
        "form_fields": [
            _field(
                "household_division_code",
                "户籍所在地行政区划",
                "division",
                prefill="population.household_division_code",
            ),
            _field("residence_address", "居住地址", required=False, prefill="population.residence_address"),
        ],
        "fee": FREE,
        "materials": [],
        "online_depth": "zero_visits",
        "channels": ["online", "window", "mobile"],
        "guide": _guide(
            ["户籍在本县", "年满八十周岁"],
            [
                ("确认", "系统根据人口库信息主动推送，申请人在线确认即可", None),
                ("核定", "规则自动核定发放资格", None),
                ("发放", "次月起按月发放至社会保障卡金融账户", 5),
            ],
            window="三楼 B 区人社窗口 9 号",
            phone="0571-64120333",
            visits=0,
            delivery=["electronic"],
            booking=False,
        ),
        "themes": ["养老服务"],
        "keywords": ["高龄津贴", "高龄补贴", "老年人", "养老", "免申即享"],
        "license_type": None,
        "license_name": None,
        "rule": decision_table(
            "高龄津贴发放规则",
            [("applicant.age", "申请人年龄"), ("form.household_division_code", "户籍所在地行政区划代码")],
            [
                (["< 80", ""], False, "未满八十周岁，不符合高龄津贴发放条件"),
                (["", f'"{DIVISION}"'], True, "年满八十周岁且户籍在本县，符合高龄津贴发放条件"),
                (["", ""], False, "户籍不在本县，不符合高龄津贴发放条件"),
            ],
        ),
        "rule_version": 1,
    },
]


BUNDLES: list[dict[str, Any]] = [
    {
        "code": f"{DIVISION}-YJS-0001",
        "name": "开办餐饮店一件事",
        "description": "一次申请、一套材料，同时办理个体工商户设立登记和食品经营许可，两项办结即告完成。",
        "item_codes": [f"{DIVISION}-AMR-XK-0001", f"{DIVISION}-AMR-XK-0002"],
        "themes": ["开办餐饮店"],
    },
    {
        # Two departments at once: the branches go to psb and hrss in parallel (一件事, 一表申请).
        "code": f"{DIVISION}-YJS-0002",
        "name": "来县就业安居一件事",
        "description": "新到本县工作的劳动者一次申请、一张表单，同时办理就业登记和居住证申领，两项办结即告完成。",
        "item_codes": [f"{DIVISION}-HRSS-QR-0001", f"{DIVISION}-PSB-XK-0001"],
        "themes": ["就业创业", "户籍与居住"],
    },
]


def seed_demo(session: Session, *, history: bool = False) -> None:
    """Insert what is missing (and fill the standard fields of items seeded before they existed);
    running it again changes nothing."""
    for code, name in DEPARTMENTS:
        department = session.get(Department, code)
        if department is None:
            department = Department(code=code, name=name, division_code=DIVISION)
            session.add(department)
        if department.reconsideration_body is None and department.litigation_court is None:
            department.reconsideration_body, department.litigation_court = RECONSIDERATION_BODY, LITIGATION_COURT
    session.flush()
    now = utcnow()
    for spec in ITEMS:
        item = session.scalars(select(Item).where(Item.code == spec["code"]).order_by(Item.version.desc())).first()
        if item is None:
            item = Item(version=1, status="published", published_at=now, **spec)
            session.add(item)
        elif not item.search_text:
            for key in ("fee", "materials", "online_depth", "channels", "themes", "keywords", "guide"):
                setattr(item, key, spec[key])
        elif not item.guide:  # seeded before migration 0010 gave items the guide's remaining fields
            item.guide = spec["guide"]
        refresh_search(item)
        if spec["rule"] is not None and current_table(session, spec["code"]) is None:
            session.add(
                DecisionTable(
                    item_code=spec["code"],
                    version=spec["rule_version"],
                    graph=spec["rule"],
                    comment="初始版本",
                    created_by="system",
                )
            )
    for bundle in BUNDLES:
        if session.scalars(select(Bundle.id).where(Bundle.code == bundle["code"])).first() is None:
            session.add(Bundle(status="published", **bundle))
    if history:
        session.flush()
        seed_history(session, now=now)
