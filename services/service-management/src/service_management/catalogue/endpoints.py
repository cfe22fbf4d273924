from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from gov_common.auth import OptionalPrincipal, Principal, Roles
from gov_common.errors import Forbidden, InvalidField, NotFound, Unauthorized
from gov_common.limits import UPLOAD, body_limit
from gov_common.pagination import Page
from gov_common.params import RowId
from gov_common.service import DbSession
from service_management.catalogue import importer, service
from service_management.catalogue.schemas import (
    DepartmentOut,
    ImportReport,
    ItemDetail,
    ItemIn,
    ItemListEntry,
    ItemListStatus,
    ItemSummary,
    ItemType,
    RetireIn,
    Retirement,
    ThemeOut,
)
from service_management.deps import Manager, Staff
from service_management.import_templates import XLSX, item_template, xlsx_response
from service_management.models import Item
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


def _version(item: Item, *, staff: bool) -> ItemDetail:
    """A version as stored, with its retirement (who retired it only for staff)."""
    detail = ItemDetail.model_validate(item)
    if item.retired_at is not None and item.retired_reason is not None:
        detail.retirement = Retirement(
            reason=item.retired_reason, at=item.retired_at, by=item.retired_by if staff else None
        )
    return detail


def _detail(session: DbSession, item: Item) -> ItemDetail:
    detail = _version(item, staff=True)
    detail.rule_version = current_version(session, detail.code)
    return detail


def _is_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.has_role(*Roles.STAFF)


def _drafts_of(principal: Principal) -> frozenset[str] | None:
    """Whose item drafts a staff member reads: every department's for the admin, else their own
    department's only (drafts are work in progress, as the five lists' drafts are)."""
    if principal.has_role(Roles.ADMIN):
        return None
    return frozenset({principal.department}) if principal.department else frozenset()


@router.get("/items", response_model=list[ItemListEntry], response_model_exclude_unset=True, responses=_ERRORS)
def list_items(
    session: DbSession,
    page: Page,
    response: Response,
    principal: OptionalPrincipal,
    department: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=100, description="words inside names, keywords and themes")] = None,
    audience: Annotated[str | None, Query(pattern="^(person|entity)$")] = None,
    theme: Annotated[str | None, Query(max_length=50)] = None,
    type: Annotated[ItemType | None, Query()] = None,
    status: Annotated[
        ItemListStatus | None,
        Query(
            description="staff only: every item by its latest version — `draft`, `published` (has a version in "
            "force), `retired` or `all`; adds status, updated_at, published_version and draft_pending"
        ),
    ] = None,
) -> list[ItemSummary]:
    """Published service items, searchable in Chinese (words or a code); X-Total-Count gives the number of
    all matches. With `status`, staff list every item whatever its status (401/403 for anyone else)."""
    if status is None:
        items, total = service.list_published(
            session, page=page, department=department, q=q, audience=audience, theme=theme, item_type=type
        )
        page.describe(response, total)
        # The public shape: the staff fields stay unset, so they are left out.
        return [ItemSummary.model_validate(i) for i in items]
    if principal is None:
        raise Unauthorized("请以工作人员身份登录后按状态查看事项", field="status", code="staff_only")
    if not _is_staff(principal):
        raise Forbidden("仅工作人员可以按状态查看事项", field="status", code="staff_only")
    if audience or theme:
        raise InvalidField(
            "audience" if audience else "theme",
            "工作人员的事项列表只能按状态、部门、类型和关键词（q）筛选",
            code="filter_not_supported",
        )
    rows, total = service.list_for_staff(
        session, page=page, status=status, department=department, q=q, item_type=type, drafts_of=_drafts_of(principal)
    )
    page.describe(response, total)
    entries: list[ItemSummary] = []
    for item, published_version in rows:
        entry = ItemListEntry.model_validate(item)
        entry.status, entry.updated_at = item.status, item.updated_at or item.published_at or item.created_at
        entry.published_version = published_version
        entry.draft_pending = item.status == service.ItemStatus.DRAFT and published_version is not None
        entries.append(entry)
    return entries


# Declared before /items/{code}, which would otherwise take "import-template.xlsx" for an item code.
@router.get(
    "/items/import-template.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "The workbook: sheets 导入, 填写说明, 示例"},
        401: _ERRORS[401],
        403: {"description": "Not an administrator or a department admin"},
    },
)
def item_import_template(session: DbSession, principal: Manager) -> Response:
    """The .xlsx template of the item import: the header row it reads, drop-downs, instructions and examples."""
    departments = {d.code: d.name for d in service.list_departments(session)}
    if not principal.has_role(Roles.ADMIN):  # a department admin imports for their own department only
        departments = {c: n for c, n in departments.items() if c == principal.department}
    return xlsx_response(item_template(departments))


@router.get(
    "/items/{code}",
    response_model=ItemDetail,
    responses={
        **_ERRORS,
        410: {"description": "The item was retired: `retirement` {reason, at} and `item` say when and why"},
    },
)
def get_item(code: str, session: DbSession) -> ItemDetail:
    """One published service item with its standard fields, materials and form fields."""
    return _detail(session, service.get_public(session, code))


@router.get("/items/{code}/versions", response_model=list[ItemDetail], responses=_ERRORS)
def list_item_versions(code: str, session: DbSession, staff: Staff, page: Page, response: Response) -> list[ItemDetail]:
    """Every version of an item, retired ones included, oldest first, paginated (staff); drafts only
    for the admin and the item's own department."""
    items, total = service.page_versions(session, code, page=page, drafts_of=_drafts_of(staff))
    page.describe(response, total)
    return [_version(i, staff=True) for i in items]


@router.get("/items/{code}/versions/{version}", response_model=ItemDetail, responses=_ERRORS)
def get_item_version(code: str, version: RowId, session: DbSession, principal: OptionalPrincipal) -> ItemDetail:
    """One version of an item, as cases filed under it saw it (a draft only for the admin and the
    item's own department)."""
    item = service.get_version(session, code, version)
    if item.status == service.ItemStatus.DRAFT:
        drafts_of = _drafts_of(principal) if principal is not None and _is_staff(principal) else frozenset()
        if drafts_of is not None and item.department_code not in drafts_of:
            raise NotFound(f"事项 {code} 没有第 {version} 版", field="version")
    return _version(item, staff=_is_staff(principal))


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
def retire_item(code: str, body: RetireIn, session: DbSession, principal: Manager) -> ItemDetail:
    """Retire the published item with a reason: no new cases; cases filed under it go on."""
    return _version(service.retire(session, principal=principal, code=code, reason=body.reason), staff=True)


@router.post("/items/import", response_model=ImportReport, responses=_ERRORS)
@body_limit(UPLOAD, field="file")
async def import_items(
    session: DbSession,
    principal: Manager,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or .xlsx, one item per row")],
    dry_run: Annotated[bool, Query()] = True,
) -> ImportReport:
    """Import items as drafts; every rejected row is reported and nothing is applied if any row is bad."""
    data = await read_upload(file, max_bytes=TABLE_MAX_BYTES)
    # Parsing and writing up to thousands of rows off the event loop.
    return await run_in_threadpool(
        importer.import_items, session, principal=principal, data=data, filename=file.filename or "", dry_run=dry_run
    )


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(session: DbSession) -> list[DepartmentOut]:
    """The county's departments by their Chinese names: those implementing items and those owning shared data."""
    return [DepartmentOut.model_validate(d) for d in service.list_departments(session)]


@router.get("/themes", response_model=list[ThemeOut])
def list_themes(session: DbSession) -> list[ThemeOut]:
    """The life-event themes (主题) of the catalogue with the number of published items and bundles in each."""
    return [
        ThemeOut(name=name, item_count=items, bundle_count=bundles)
        for name, items, bundles in service.list_themes(session)
    ]
