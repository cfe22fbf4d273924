"""Bundles (一件事一次办): one application files a case per member item, sharing one combined form (一表申请) and
the materials; the branches run in parallel and the application concludes when every branch has ended.
Administrators compose bundles from published items of one or more departments (draft → published → retired)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import Conflict, InvalidField, NotFound
from gov_common.pagination import PageRequest
from gov_common.workdays import local_date
from service_management.bundles.schemas import BundleCreate, BundleIn, OverallStatus
from service_management.cases import service as cases
from service_management.cases.materials import refs
from service_management.cases.schemas import MaterialRefIn
from service_management.cases.timeline import TERMINAL, Status
from service_management.catalogue.service import get_published
from service_management.models import Bundle, BundleApplication, Case, Department, Item
from service_management.ports import Ports


def list_bundles(session: Session) -> list[Bundle]:
    return list(session.scalars(select(Bundle).where(Bundle.status == "published").order_by(Bundle.code)).all())


def get_bundle(session: Session, code: str) -> Bundle:
    bundle = session.scalars(select(Bundle).where(Bundle.code == code, Bundle.status == "published")).first()
    if bundle is None:
        raise NotFound(f"一件事 {code} 不存在", field="bundle_code")
    return bundle


def _members(session: Session, item_codes: list[str], *, field: str | None = None) -> list[Item]:
    """The published member items; with `field`, one that is missing is an input error naming its position."""
    members = []
    for n, code in enumerate(item_codes):
        try:
            members.append(get_published(session, code))
        except NotFound:
            if field is None:
                raise
            raise InvalidField(
                f"{field}[{n}]", f"事项 {code} 不存在或尚未发布，不能组成一件事", code="item_not_found"
            ) from None
    return members


def shared_materials(members: list[Item]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in members:
        for material in item.materials:
            seen.setdefault(material["code"], material)
    return list(seen.values())


def combined_fields(members: list[Item], *, strict: bool = False) -> list[dict[str, Any]]:
    """The combined form (一表申请): each field once, in the order the items ask for them; required when any
    member requires it. Two members asking for one name with different types cannot share it: with `strict` (at
    composition) that is an input error; otherwise (a member changed since) the first member's type stands and
    the other member's own check names the field when the applicant answers."""
    fields: dict[str, dict[str, Any]] = {}
    for item in members:
        for spec in item.form_fields:
            name = spec["name"]
            if (seen := fields.get(name)) is None:
                fields[name] = {**spec, "required": spec.get("required", True), "items": [item.code]}
                continue
            if strict and seen["type"] != spec["type"]:
                raise InvalidField(
                    "item_codes",
                    f"事项 {seen['items'][0]} 与 {item.code} 的表单字段“{seen['label']}”（{name}）类型不同，"
                    "不能合并为一张表单",
                    code="bundle_field_conflict",
                )
            seen["required"] = seen["required"] or spec.get("required", True)
            seen["prefill"] = seen.get("prefill") or spec.get("prefill")
            seen["items"].append(item.code)
    return list(fields.values())


def member_items(session: Session, members: list[Item]) -> list[dict[str, str]]:
    names: dict[str, str] = {code: name for code, name in session.execute(select(Department.code, Department.name))}
    return [
        {
            "code": item.code,
            "name": item.name,
            "department_code": item.department_code,
            "department_name": names.get(item.department_code, item.department_code),
        }
        for item in members
    ]


def describe(session: Session, bundle: Bundle) -> dict[str, Any]:
    """A bundle with its members, combined form and materials, as GET /bundles/{code} shows it."""
    members = _members(session, bundle.item_codes)
    return {
        "code": bundle.code,
        "name": bundle.name,
        "description": bundle.description,
        "item_codes": bundle.item_codes,
        "themes": bundle.themes,
        "status": bundle.status,
        "items": member_items(session, members),
        "fields": combined_fields(members),
        "materials": shared_materials(members),
    }


# --- composition by administrators ---------------------------------------------------------------------------


def _check_composition(session: Session, body: BundleIn) -> list[Item]:
    if len(set(body.item_codes)) != len(body.item_codes):
        raise InvalidField("item_codes", "同一事项在一件事中只能出现一次", code="duplicate_item")
    members = _members(session, body.item_codes, field="item_codes")
    audiences = set.intersection(*(set(item.audience or ["person", "entity"]) for item in members))
    if not audiences:
        raise InvalidField(
            "item_codes", "所选事项的服务对象不同（个人与法人），不能一次申请", code="bundle_audience_conflict"
        )
    combined_fields(members, strict=True)
    return members


def list_definitions(session: Session) -> list[Bundle]:
    return list(session.scalars(select(Bundle).order_by(Bundle.code)).all())


def get_definition(session: Session, code: str) -> Bundle:
    bundle = session.scalars(select(Bundle).where(Bundle.code == code)).first()
    if bundle is None:
        raise NotFound(f"一件事 {code} 不存在", field="code", code="bundle_not_found")
    return bundle


def create(session: Session, body: BundleCreate) -> Bundle:
    _check_composition(session, body)
    if session.scalars(select(Bundle.id).where(Bundle.code == body.code)).first() is not None:
        raise Conflict(f"一件事编码 {body.code} 已被使用", field="code", code="bundle_exists")
    bundle = Bundle(
        code=body.code,
        name=body.name,
        description=body.description,
        item_codes=list(body.item_codes),
        themes=list(body.themes),
        status="draft",
    )
    session.add(bundle)
    session.flush()
    return bundle


def update(session: Session, code: str, body: BundleIn) -> Bundle:
    bundle = get_definition(session, code)
    if bundle.status == "retired":
        raise Conflict(f"一件事 {code} 已停用，不能修改", field="code", code="bundle_retired")
    _check_composition(session, body)
    bundle.name, bundle.description = body.name, body.description
    bundle.item_codes, bundle.themes = list(body.item_codes), list(body.themes)
    return bundle


def set_status(session: Session, code: str, status: str) -> Bundle:
    """Publish (after checking the members again: an item may have been retired since) or retire."""
    bundle = get_definition(session, code)
    if status == "published":
        if bundle.status == "retired":
            raise Conflict(f"一件事 {code} 已停用，不能再发布", field="code", code="bundle_retired")
        _check_composition(
            session,
            BundleIn(
                name=bundle.name, description=bundle.description, item_codes=bundle.item_codes, themes=bundle.themes
            ),
        )
    bundle.status = status
    return bundle


def apply(
    session: Session,
    ports: Ports,
    *,
    principal: Principal,
    code: str,
    form: dict[str, Any],
    forms: dict[str, dict[str, Any]],
    materials: list[MaterialRefIn],
) -> BundleApplication:
    bundle = get_bundle(session, code)
    for item_code in forms:
        if item_code not in bundle.item_codes:
            raise InvalidField(f"forms.{item_code}", f"事项 {item_code} 不属于一件事 {code}")
    members = _members(session, bundle.item_codes)
    asked = {spec["name"] for item in members for spec in item.form_fields}
    for name in form:
        if name not in asked:
            raise InvalidField(f"form.{name}", "一件事的表单中没有这一项", code="unknown_field")
    now = utcnow()
    application = BundleApplication(
        bundle_no=f"B{local_date(now):%Y%m%d}{secrets.randbelow(10**9):09d}",
        bundle_code=bundle.code,
        applicant_sub=principal.sub,
        applicant_id_number=principal.id_number or "",
        status="in_progress",
        created_at=now,
    )
    session.add(application)
    session.flush()
    refs_all = refs(materials)
    for item in members:
        own = {m["code"] for m in item.materials}
        keys = {spec["name"] for spec in item.form_fields}
        # The combined form's answers to what this item asks, under the item's own answers if any.
        own_answers = forms.get(item.code, {})
        cases.file_case(
            session,
            ports,
            applicant=cases.identity_of(principal),
            item_code=item.code,
            form={k: v for k, v in form.items() if k in keys} | own_answers,
            materials=[r for r in refs_all if r.code in own],
            bundle=application,
            form_field=f"forms.{item.code}" if item.code in forms else "form",
            now=now,
        )
    return application


def get_application(session: Session, *, principal: Principal, bundle_no: str) -> tuple[BundleApplication, list[Case]]:
    application = session.scalars(select(BundleApplication).where(BundleApplication.bundle_no == bundle_no)).first()
    visible = application is not None and (
        application.applicant_sub == principal.sub
        or (principal.id_number and principal.id_number == application.applicant_id_number)
        or principal.has_role(Roles.ADMIN, Roles.CLERK)
    )
    if application is None or not visible:
        raise NotFound(f"未找到一件事申请 {bundle_no}", field="bundle_no")
    branches = list(session.scalars(select(Case).where(Case.bundle_id == application.id).order_by(Case.id)).all())
    return application, branches


REFUSED = frozenset({Status.DENIED, Status.REJECTED})


def overall_status(branch_statuses: list[str]) -> OverallStatus:
    """What the applicant most needs to know: a refused branch first, then whether all concluded."""
    if any(s in REFUSED for s in branch_statuses):
        return "some_denied"
    if branch_statuses and all(s == Status.CONCLUDED for s in branch_statuses):
        return "concluded"
    return "in_progress"


@dataclass(frozen=True)
class ApplicationSummary:
    application: BundleApplication
    bundle_name: str
    branch_statuses: list[str]

    @property
    def overall_status(self) -> OverallStatus:
        return overall_status(self.branch_statuses)

    @property
    def ended_count(self) -> int:
        return sum(s in TERMINAL for s in self.branch_statuses)


def list_my_applications(
    session: Session, *, principal: Principal, page: PageRequest
) -> tuple[list[ApplicationSummary], int]:
    """The applicant's own bundle applications, newest first (matched as their cases are: account or ID)."""
    mine = BundleApplication.applicant_sub == principal.sub
    if principal.id_number:
        mine = or_(mine, BundleApplication.applicant_id_number == principal.id_number)
    total = session.scalar(select(func.count()).select_from(BundleApplication).where(mine)) or 0
    rows = session.execute(
        select(BundleApplication, Bundle.name)
        .outerjoin(Bundle, Bundle.code == BundleApplication.bundle_code)
        .where(mine)
        .order_by(BundleApplication.created_at.desc(), BundleApplication.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    statuses: dict[int | None, list[str]] = defaultdict(list)
    ids = [application.id for application, _ in rows]
    if ids:
        for bundle_id, status in session.execute(
            select(Case.bundle_id, Case.status).where(Case.bundle_id.in_(ids)).order_by(Case.id)
        ):
            statuses[bundle_id].append(status)
    summaries = [
        ApplicationSummary(
            application=application,
            bundle_name=name or application.bundle_code,
            branch_statuses=statuses[application.id],
        )
        for application, name in rows
    ]
    return summaries, total
