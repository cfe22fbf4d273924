"""The catalogue of service items: versions and their lifecycle, search, and form validation."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, true, update
from sqlalchemy.orm import Session

from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.errors import Conflict, DomainError, InvalidField, NotFound
from gov_common.pagination import PageRequest
from service_management.catalogue.schemas import TYPE_CODES, ItemIn, Retirement
from service_management.catalogue.search import code_patterns, query_patterns, search_text
from service_management.deps import check_department
from service_management.models import Bundle, Department, Item


class ItemStatus:
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    RETIRED = "retired"


def facets(item: Item) -> str:
    values = [f"audience:{a}" for a in item.audience or []]
    values += [f"theme:{t}" for t in item.themes or []]
    return "|" + "|".join(values) + "|" if values else ""


def refresh_search(item: Item) -> None:
    item.search_text = search_text([item.name, *(item.keywords or []), *(item.themes or [])])
    item.facets = facets(item)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matches(q: str) -> ColumnElement[bool]:
    """Every term of the query matches words inside the name, keywords or themes, or the item code."""
    conditions = []
    for term in q.split():
        alternatives = [Item.search_text.like(p, escape="\\") for patterns in query_patterns(term) for p in patterns]
        alternatives += [Item.code.like(p, escape="\\") for p in code_patterns(term)]
        if alternatives:
            conditions.append(or_(*alternatives))
    if not conditions:
        raise InvalidField("q", "搜索词中没有可检索的字符", code="search_empty")
    return and_(*conditions)


def list_published(
    session: Session,
    *,
    page: PageRequest,
    department: str | None = None,
    q: str | None = None,
    audience: str | None = None,
    theme: str | None = None,
    item_type: str | None = None,
) -> tuple[list[Item], int]:
    query = select(Item).where(Item.status == ItemStatus.PUBLISHED)
    if department:
        query = query.where(Item.department_code == department)
    if item_type:
        query = query.where(Item.item_type == item_type)
    if audience:
        query = query.where(Item.facets.like(f"%|audience:{_like_escape(audience)}|%", escape="\\"))
    if theme:
        query = query.where(Item.facets.like(f"%|theme:{_like_escape(theme.strip())}|%", escape="\\"))
    if q:
        query = query.where(_matches(q))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Item.code).offset(page.offset).limit(page.page_size)).all()
    return list(items), total


def list_for_staff(
    session: Session,
    *,
    page: PageRequest,
    status: str,
    department: str | None = None,
    q: str | None = None,
    item_type: str | None = None,
    drafts_of: frozenset[str] | None = None,
) -> tuple[list[tuple[Item, int | None]], int]:
    """Every item by its latest version, whatever its status, with the version in force.

    `drafts_of` limits the drafts the reader sees to those departments' (None: all, the admin's
    view); another department's pending draft is then as if not there.

    `published` means "has a version in force" (a newer draft may be pending), `draft` "the latest
    version is a draft" (a new item, or the pending next version of a published or retired one),
    `retired` "the latest version is retired"; so an item with a pending draft is in both of the
    first two."""
    versions = (
        select(
            Item.code.label("code"),
            func.max(Item.version).label("latest"),
            func.max(case((Item.status == ItemStatus.PUBLISHED, Item.version))).label("published"),
        )
        .where(drafts_visible(drafts_of))
        .group_by(Item.code)
        .subquery()
    )
    query = select(Item, versions.c.published).join(
        versions, and_(Item.code == versions.c.code, Item.version == versions.c.latest)
    )
    if status == ItemStatus.PUBLISHED:
        query = query.where(versions.c.published.is_not(None))
    elif status in (ItemStatus.DRAFT, ItemStatus.RETIRED):
        query = query.where(Item.status == status)
    if department:
        query = query.where(Item.department_code == department)
    if item_type:
        query = query.where(Item.item_type == item_type)
    if q:
        query = query.where(_matches(q))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Item.code).offset(page.offset).limit(page.page_size)).all()
    return [(row[0], row[1]) for row in rows], total


class ItemRetired(DomainError):
    status, title, code = 410, "Gone", "item_retired"


def get_public(session: Session, code: str) -> Item:
    """The published version; for an item retired since, 410 saying when and why (an old link
    should tell its reader), otherwise 404."""
    try:
        return get_published(session, code)
    except NotFound:
        query = select(Item).where(Item.code == code, Item.status != ItemStatus.DRAFT)
        latest = session.scalars(query.order_by(Item.version.desc()).limit(1)).first()
        if latest is None or latest.status != ItemStatus.RETIRED:
            raise
        retirement = None
        if latest.retired_at is not None:  # retired before migration 0004: when and why are unknown
            retirement = Retirement(reason=latest.retired_reason or "", at=latest.retired_at)
        raise ItemRetired(
            f"事项 {code} 已停止办理" + (f"：{latest.retired_reason}" if latest.retired_reason else ""),
            item={
                "code": latest.code,
                "name": latest.name,
                "version": latest.version,
                "department_code": latest.department_code,
            },
            retirement=retirement.model_dump(mode="json", exclude={"by"}) if retirement else None,
        ) from None


# Built once (every filing reads its item): executed with the code as a parameter.
_PUBLISHED = (
    select(Item)
    .where(Item.code == bindparam("code"), Item.status == ItemStatus.PUBLISHED)
    .order_by(Item.version.desc())
    .limit(1)
)


def get_published(session: Session, code: str) -> Item:
    item = session.scalars(_PUBLISHED, {"code": code}).first()
    if item is None:
        raise NotFound(f"事项 {code} 不存在或尚未发布", field="item_code", code="item_not_found")
    return item


def list_versions(session: Session, code: str) -> list[Item]:
    items = list(session.scalars(select(Item).where(Item.code == code).order_by(Item.version)).all())
    if not items:
        raise NotFound(f"事项 {code} 不存在", field="code")
    return items


def drafts_visible(drafts_of: frozenset[str] | None) -> ColumnElement[bool]:
    """Versions a reader sees: every one when `drafts_of` is None, else no drafts but those departments'."""
    if drafts_of is None:
        return true()
    return or_(Item.status != ItemStatus.DRAFT, Item.department_code.in_(sorted(drafts_of)))


def page_versions(
    session: Session, code: str, *, page: PageRequest, drafts_of: frozenset[str] | None = None
) -> tuple[list[Item], int]:
    """One page of an item's versions, oldest first (drafts as `drafts_of` allows)."""
    visible = and_(Item.code == code, drafts_visible(drafts_of))
    total = session.scalar(select(func.count()).select_from(Item).where(visible)) or 0
    if not total:
        raise NotFound(f"事项 {code} 不存在", field="code")
    query = select(Item).where(visible).order_by(Item.version).offset(page.offset).limit(page.page_size)
    return list(session.scalars(query).all()), total


def get_version(session: Session, code: str, version: int) -> Item:
    item = session.scalars(select(Item).where(Item.code == code, Item.version == version)).first()
    if item is None:
        raise NotFound(f"事项 {code} 没有第 {version} 版", field="version")
    return item


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)).all())


def list_themes(session: Session) -> list[tuple[str, int, int]]:
    """Every theme of the published items and bundles with how many of each carry it: most items
    first, then by name. Counted here rather than in SQL because themes are a JSON list, read the
    same way on SQLite and PostgreSQL; a catalogue holds thousands of items, not millions."""
    items: Counter[str] = Counter()
    for themes in session.scalars(select(Item.themes).where(Item.status == ItemStatus.PUBLISHED)):
        items.update({t.strip() for t in themes or [] if t.strip()})
    bundles: Counter[str] = Counter()
    for themes in session.scalars(select(Bundle.themes).where(Bundle.status == "published")):
        bundles.update({t.strip() for t in themes or [] if t.strip()})
    names = sorted(set(items) | set(bundles), key=lambda name: (-items[name], -bundles[name], name))
    return [(name, items[name], bundles[name]) for name in names]


def check_item(session: Session, data: ItemIn, *, prefix: str = "") -> None:
    """What the schema cannot know: the department exists, the code fits the type, limits agree."""
    if session.get(Department, data.department_code) is None:
        raise InvalidField(f"{prefix}department_code", f"部门 {data.department_code} 不存在")
    type_code = data.code.split("-")[2]
    if TYPE_CODES[data.item_type] != type_code:
        raise InvalidField(
            f"{prefix}code",
            f"该类事项编码中的类型码应为 {TYPE_CODES[data.item_type]}，而非 {type_code}",
        )
    if data.committed_days > data.statutory_days:
        raise InvalidField(f"{prefix}committed_days", "承诺时限超过了法定时限")
    codes = [m.code for m in data.materials]
    if len(set(codes)) != len(codes):
        raise InvalidField(f"{prefix}materials", "同一事项中材料编码不能重复")
    names = [f.name for f in data.form_fields]
    if len(set(names)) != len(names):
        raise InvalidField(f"{prefix}form_fields", "同一事项中表单字段名不能重复")
    if data.instant_approval and "online" not in data.channels:
        raise InvalidField(f"{prefix}instant_approval", "秒批须开通网上办理渠道")
    visits = data.guide.visits
    if visits is not None and (visits == 0) != (data.online_depth == "zero_visits"):
        raise InvalidField(
            f"{prefix}guide.visits",
            "到现场次数为 0 的事项网办深度应为“零跑动”，零跑动事项的到现场次数应为 0",
            code="visits_disagree_with_depth",
        )


def _apply(item: Item, data: ItemIn) -> None:
    values: dict[str, Any] = data.model_dump(mode="json")
    for key, value in values.items():
        setattr(item, key, value)
    refresh_search(item)


def create_item(session: Session, *, principal: Principal, data: ItemIn) -> Item:
    check_department(principal, data.department_code)
    check_item(session, data)
    if session.scalars(select(Item.id).where(Item.code == data.code)).first() is not None:
        raise Conflict(f"事项 {data.code} 已存在，请编辑其草稿", field="code")
    item = Item(version=1, status=ItemStatus.DRAFT)
    _apply(item, data)
    session.add(item)
    session.flush()
    return item


def save_draft(session: Session, *, principal: Principal, code: str, data: ItemIn) -> Item:
    """Edit the draft; with none, start the next version from the newest one (published stays as it is)."""
    if data.code != code:
        raise InvalidField("code", "事项编码不能修改")
    versions = list_versions(session, code)
    latest = versions[-1]
    check_department(principal, latest.department_code)
    check_department(principal, data.department_code)
    check_item(session, data)
    if latest.status == ItemStatus.DRAFT:
        _apply(latest, data)
        return latest
    draft = Item(
        version=latest.version + 1, status=ItemStatus.DRAFT, rule=latest.rule, rule_version=latest.rule_version
    )
    _apply(draft, data)
    session.add(draft)
    session.flush()
    return draft


def publish(session: Session, *, principal: Principal, code: str, now: dt.datetime | None = None) -> Item:
    versions = list_versions(session, code)
    draft = versions[-1]
    check_department(principal, draft.department_code)
    if draft.status != ItemStatus.DRAFT:
        raise Conflict(f"事项 {code} 没有待发布的草稿", field="code")
    session.execute(
        update(Item).where(Item.code == code, Item.status == ItemStatus.PUBLISHED).values(status=ItemStatus.SUPERSEDED)
    )
    draft.status = ItemStatus.PUBLISHED
    draft.published_at = draft.updated_at = now or utcnow()
    return draft


def retire(session: Session, *, principal: Principal, code: str, reason: str, now: dt.datetime | None = None) -> Item:
    """Retire the version in force, recording why, when and by whom."""
    item = get_published(session, code)
    check_department(principal, item.department_code)
    item.status = ItemStatus.RETIRED
    item.retired_at = item.updated_at = now or utcnow()
    item.retired_by = principal.name
    item.retired_reason = reason
    return item


# What a filed form may hold. A case keeps its form, and so do its events, its workflow state and its
# decisions: a line of text (string) or a description (text) is enough, and no answer grows them.
FORM_STRING_MAX_CHARS = 500
FORM_TEXT_MAX_CHARS = 5000
FORM_MAX_CHARS = 50_000  # all the text answers of one form together
FORM_NUMBER_BOUND = 2**53 - 1  # exact in JavaScript, in JSON readers and in the decision engine
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A county-level code or above (GB/T 2260): province, city and county digits, never a leading zero.
_DIVISION_CODE = re.compile(r"^[1-9][0-9]{5}$")


def _coerce(field: dict[str, Any], value: Any) -> Any:
    name, kind = field["name"], field["type"]
    path = f"form.{name}"
    if kind in ("string", "text"):
        if not isinstance(value, str):
            raise InvalidField(path, f"{field['label']}应为文字", code="form_not_text")
        value = value.strip()
        limit = FORM_TEXT_MAX_CHARS if kind == "text" else FORM_STRING_MAX_CHARS
        if len(value) > limit:
            raise InvalidField(path, f"{field['label']}超过 {limit} 个字符", code="form_too_long", max_length=limit)
        if _CONTROL.search(value):
            raise InvalidField(path, f"{field['label']}中含有控制字符", code="form_control_character")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidField(path, f"{field['label']}应为整数", code="form_not_integer")
        return _bounded(path, field, value)
    if kind == "number":
        # An int is finite whatever its size (math.isfinite fails on one beyond a float's range).
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
            raise InvalidField(path, f"{field['label']}应为数字", code="form_not_number")
        return _bounded(path, field, value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidField(path, f"{field['label']}应为“是”或“否”", code="form_not_boolean")
        return value
    if kind == "division":
        if not isinstance(value, str) or not _DIVISION_CODE.match(value.strip()):
            message = f"{field['label']}应为 6 位行政区划代码（GB/T 2260），请从行政区划列表中选择"
            raise InvalidField(path, message, code="form_not_division")
        return value.strip()
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat() if isinstance(value, str) else _bad_date(path, field)
        except ValueError:
            return _bad_date(path, field)
    raise InvalidField(path, f"不支持的字段类型 {kind}")


def _finite(value: float) -> bool:
    return isinstance(value, int) or math.isfinite(value)


def _bounded(path: str, field: dict[str, Any], value: float) -> float:
    if abs(value) > FORM_NUMBER_BOUND:
        raise InvalidField(path, f"{field['label']}应在 ±{FORM_NUMBER_BOUND} 之间", code="form_number_out_of_range")
    return value


def _bad_date(path: str, field: dict[str, Any]) -> Any:
    raise InvalidField(path, f"{field['label']}应为日期（年-月-日，如 2026-01-31）", code="form_not_date")


def validate_form(item: Item, form: dict[str, Any], *, prefix: str = "form") -> dict[str, Any]:
    """Check a filed form against the item's fields; answers 422 naming the first bad field."""
    known = {f["name"]: f for f in item.form_fields}
    for name in form:
        if name not in known:
            name = name[:64]  # a name is at most 64 characters (FormField.name); no need to echo more
            raise InvalidField(f"{prefix}.{name}", f"本事项没有“{name}”这一填写项", code="form_field_unknown")
    cleaned: dict[str, Any] = {}
    for name, field in known.items():
        value = form.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.get("required", True):
                raise InvalidField(f"{prefix}.{name}", f"请填写{field['label']}", code="form_field_required")
            continue
        try:
            cleaned[name] = _coerce(field, value)
        except InvalidField as exc:
            raise InvalidField(f"{prefix}.{name}", exc.detail, code=exc.code, **exc.extra) from None
    if sum(len(v) for v in cleaned.values() if isinstance(v, str)) > FORM_MAX_CHARS:
        raise InvalidField(
            prefix,
            f"表单填写内容合计超过 {FORM_MAX_CHARS} 个字符",
            code="form_too_large",
            max_length=FORM_MAX_CHARS,
        )
    return cleaned


def exists(session: Session, code: str) -> bool:
    return session.scalars(select(Item.id).where(Item.code == code)).first() is not None
