"""The resources this service serves itself, registered in the catalogue at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from data_sharing.catalogue.models import Resource
from data_sharing.registries.definitions import REGISTRIES
from gov_common.db import utcnow

CREDIT = "credit"
LICENSES = "licenses"


@dataclass(frozen=True)
class Builtin:
    code: str
    name: str
    description: str
    owner_department: str
    fields: list[dict[str, str]]
    sharing_type: str
    update_frequency: str
    personal: bool


def _fields(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "label": label} for name, label in pairs]


BUILTINS: list[Builtin] = [
    *[
        Builtin(
            code=d.resource,
            name=d.name,
            description=d.description,
            owner_department=d.owner_department,
            fields=[{"name": f.name, "label": f.label} for f in d.fields],
            sharing_type=d.sharing_type,
            update_frequency=d.update_frequency,
            personal=d.personal,
        )
        for d in REGISTRIES.values()
    ],
    Builtin(
        code=CREDIT,
        name="社会信用信息库",
        description="自然人和法人的红名单、黑名单记录。",
        owner_department="ndrc",
        fields=_fields(("subject", "主体"), ("black_listed", "黑名单"), ("red_listed", "红名单"), ("records", "记录")),
        sharing_type="unconditional",
        update_frequency="realtime",
        personal=True,
    ),
    Builtin(
        code=LICENSES,
        name="电子证照库",
        description="电子证照：内容、状态、可信等级和有效期。",
        owner_department="bdb",
        fields=_fields(
            ("license_no", "证照编号"),
            ("license_type", "证照类型"),
            ("name", "证照名称"),
            ("holder_id_number", "持证主体代码"),
            ("holder_name", "持证主体"),
            ("holder_type", "持证主体类型"),
            ("issuer_department", "发证机关"),
            ("case_no", "办件编号"),
            ("fields", "照面信息"),
            ("status", "状态"),
            ("issued_at", "签发时间"),
            ("valid_from", "有效期起"),
            ("valid_until", "有效期至"),
            ("trust_level", "可信等级"),
        ),
        sharing_type="unconditional",
        update_frequency="realtime",
        personal=True,
    ),
]


def sync_builtin_resources(session: Session) -> None:
    """Register what is missing; keep the fields in step with the code. The sharing type, update
    frequency, owner and description stay as the catalogue's managers set them."""
    now = utcnow()
    for builtin in BUILTINS:
        resource = session.get(Resource, builtin.code)
        if resource is None:
            session.add(
                Resource(
                    code=builtin.code,
                    name=builtin.name,
                    description=builtin.description,
                    owner_department=builtin.owner_department,
                    fields=builtin.fields,
                    sharing_type=builtin.sharing_type,
                    update_frequency=builtin.update_frequency,
                    personal=builtin.personal,
                    builtin=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif resource.fields != builtin.fields or not resource.builtin or resource.personal != builtin.personal:
            resource.fields, resource.builtin, resource.personal = builtin.fields, True, builtin.personal
            resource.updated_at = now
