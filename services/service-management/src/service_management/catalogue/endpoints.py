from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from gov_common.auth import OptionalPrincipal, Roles
from gov_common.errors import NotFound
from gov_common.pagination import Page
from gov_common.service import DbSession
from service_management.catalogue import importer, service
from service_management.catalogue.schemas import (
    DepartmentOut,
    ImportReport,
    ItemDetail,
    ItemIn,
    ItemSummary,
    ItemType,
    ThemeOut,
)
from service_management.deps import Manager, Staff
from service_management.rules.service import current_version
from service_management.uploads import TABLE_MAX_BYTES, read_upload

router = APIRouter(prefix="/api/v1", tags=["catalogue"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not an administrator, or another department's item"},
    404: {"description": "No such item or version"},
    409: {"description": "The item exists already, or has no draft to publish"},
    422: {"description": "A field is invalid (it is named)"},
}


def _detail(session: DbSession, item: object) -> ItemDetail:
    detail = ItemDetail.model_validate(item)
    detail.rule_version = current_version(session, detail.code)
    return detail


@router.get("/items", response_model=list[ItemSummary])
def list_items(
    session: DbSession,
    page: Page,
    response: Response,
    department: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=100, description="words inside names, keywords and themes")] = None,
    audience: Annotated[str | None, Query(pattern="^(person|entity)$")] = None,
    theme: Annotated[str | None, Query(max_length=50)] = None,
    type: Annotated[ItemType | None, Query()] = None,
) -> list[ItemSummary]:
    """Published service items, searchable in Chinese; X-Total-Count gives the number of all matches."""
    items, total = service.list_published(
        session, page=page, department=department, q=q, audience=audience, theme=theme, item_type=type
    )
    page.describe(response, total)
    return [ItemSummary.model_validate(i) for i in items]


@router.get("/items/{code}", response_model=ItemDetail, responses=_ERRORS)
def get_item(code: str, session: DbSession) -> ItemDetail:
    """One published service item with its standard fields, materials and form fields."""
    return _detail(session, service.get_published(session, code))


@router.get("/items/{code}/versions", response_model=list[ItemDetail], responses=_ERRORS)
def list_item_versions(code: str, session: DbSession, _staff: Staff) -> list[ItemDetail]:
    """Every version of an item, drafts and retired ones included (staff)."""
    return [ItemDetail.model_validate(i) for i in service.list_versions(session, code)]


@router.get("/items/{code}/versions/{version}", response_model=ItemDetail, responses=_ERRORS)
def get_item_version(code: str, version: int, session: DbSession, principal: OptionalPrincipal) -> ItemDetail:
    """One version of an item, as cases filed under it saw it (a draft only for staff)."""
    item = service.get_version(session, code, version)
    if item.status == service.ItemStatus.DRAFT and not (principal and principal.has_role(*Roles.STAFF)):
        raise NotFound(f"service item {code} has no version {version}", field="version")
    return ItemDetail.model_validate(item)


@router.post("/items", status_code=201, response_model=ItemDetail, responses=_ERRORS)
def create_item(body: ItemIn, session: DbSession, principal: Manager) -> ItemDetail:
    """Create an item as a draft (version 1)."""
    return ItemDetail.model_validate(service.create_item(session, principal=principal, data=body))


@router.put("/items/{code}/draft", response_model=ItemDetail, responses=_ERRORS)
def save_draft(code: str, body: ItemIn, session: DbSession, principal: Manager) -> ItemDetail:
    """Edit the item's draft; editing a published item starts its next version as a draft."""
    return ItemDetail.model_validate(service.save_draft(session, principal=principal, code=code, data=body))


@router.post("/items/{code}/publish", response_model=ItemDetail, responses=_ERRORS)
def publish_item(code: str, session: DbSession, principal: Manager) -> ItemDetail:
    """Publish the draft; the previously published version is superseded."""
    return _detail(session, service.publish(session, principal=principal, code=code))


@router.post("/items/{code}/retire", response_model=ItemDetail, responses=_ERRORS)
def retire_item(code: str, session: DbSession, principal: Manager) -> ItemDetail:
    """Retire the published item: no new cases; cases filed under it go on."""
    return ItemDetail.model_validate(service.retire(session, principal=principal, code=code))


@router.post("/items/import", response_model=ImportReport, responses=_ERRORS)
async def import_items(
    session: DbSession,
    principal: Manager,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or .xlsx, one item per row")],
    dry_run: Annotated[bool, Query()] = True,
) -> ImportReport:
    """Import items as drafts; every rejected row is reported and nothing is applied if any row is bad."""
    data = await read_upload(file, max_bytes=TABLE_MAX_BYTES)
    return importer.import_items(session, principal=principal, data=data, filename=file.filename or "", dry_run=dry_run)


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(session: DbSession) -> list[DepartmentOut]:
    """The departments that implement service items."""
    return [DepartmentOut.model_validate(d) for d in service.list_departments(session)]


@router.get("/themes", response_model=list[ThemeOut])
def list_themes(session: DbSession) -> list[ThemeOut]:
    """The life-event themes (主题) of the catalogue with the number of published items and bundles in each."""
    return [
        ThemeOut(name=name, item_count=items, bundle_count=bundles)
        for name, items, bundles in service.list_themes(session)
    ]
