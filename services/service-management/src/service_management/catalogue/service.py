"""The catalogue of service items: lookups and form validation against an item's definition."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gov_common.errors import InvalidField, NotFound
from gov_common.pagination import PageRequest
from service_management.models import Department, Item


def list_published(session: Session, *, department: str | None, page: PageRequest) -> tuple[list[Item], int]:
    latest = (
        select(Item.code, func.max(Item.version).label("version"))
        .where(Item.status == "published")
        .group_by(Item.code)
        .subquery()
    )
    query = select(Item).join(latest, (Item.code == latest.c.code) & (Item.version == latest.c.version))
    if department:
        query = query.where(Item.department_code == department)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Item.code).offset(page.offset).limit(page.page_size)).all()
    return list(items), total


def get_published(session: Session, code: str) -> Item:
    item = session.scalars(
        select(Item).where(Item.code == code, Item.status == "published").order_by(Item.version.desc()).limit(1)
    ).first()
    if item is None:
        raise NotFound(f"service item {code} does not exist or is not published", field="item_code")
    return item


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)).all())


def _coerce(field: dict[str, Any], value: Any) -> Any:
    name, kind = field["name"], field["type"]
    path = f"form.{name}"
    if kind in ("string", "text"):
        if not isinstance(value, str):
            raise InvalidField(path, f"{field['label']} must be text")
        return value.strip()
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidField(path, f"{field['label']} must be a whole number")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidField(path, f"{field['label']} must be a number")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidField(path, f"{field['label']} must be true or false")
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat() if isinstance(value, str) else _bad_date(path, field)
        except ValueError:
            return _bad_date(path, field)
    raise InvalidField(path, f"unsupported field type {kind}")


def _bad_date(path: str, field: dict[str, Any]) -> Any:
    raise InvalidField(path, f"{field['label']} must be a date as YYYY-MM-DD")


def validate_form(item: Item, form: dict[str, Any]) -> dict[str, Any]:
    """Check a filed form against the item's fields; answers 422 naming the first bad field."""
    known = {f["name"]: f for f in item.form_fields}
    for name in form:
        if name not in known:
            raise InvalidField(f"form.{name}", f"the item has no field named {name}")
    cleaned: dict[str, Any] = {}
    for name, field in known.items():
        value = form.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.get("required", True):
                raise InvalidField(f"form.{name}", f"{field['label']} is required")
            continue
        cleaned[name] = _coerce(field, value)
    return cleaned
