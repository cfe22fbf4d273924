from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from gov_common.auth import OptionalPrincipal
from gov_common.limits import LARGE_JSON_BODY_BYTES, UPLOAD, body_limit
from gov_common.pagination import Page
from gov_common.params import MAX_ROW_ID, RowId
from gov_common.service import DbSession
from service_management.deps import Admin, Manager
from service_management.import_templates import XLSX, list_template, xlsx_response
from service_management.lists import service
from service_management.lists.schemas import DiffOut, DraftIn, ListImportReport, ListType, PublishIn, VersionOut
from service_management.uploads import TABLE_MAX_BYTES, read_upload

router = APIRouter(prefix="/api/v1/lists", tags=["lists"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not an administrator, or another department's list"},
    404: {"description": "No such list version"},
    409: {"description": "The version is not in a state that allows this"},
    422: {"description": "A field is invalid (it is named)"},
}


# Declared before /{list_type}, which would otherwise take "import-template.xlsx" for a list type.
@router.get(
    "/import-template.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "The workbook: sheets 导入, 填写说明, 示例"},
        401: _ERRORS[401],
        403: {"description": "Not an administrator or a department admin"},
    },
)
def list_import_template(_principal: Manager) -> Response:
    """The .xlsx template of a list import: the header row it reads, instructions and examples."""
    return xlsx_response(list_template())


@router.get("/diff", response_model=DiffOut, responses=_ERRORS)
def diff(
    session: DbSession,
    principal: OptionalPrincipal,
    from_id: Annotated[int, Query(alias="from", ge=1, le=MAX_ROW_ID)],
    to_id: Annotated[int, Query(alias="to", ge=1, le=MAX_ROW_ID)],
) -> DiffOut:
    """What changed between two versions of a list: entries added, removed and changed (by field)."""
    return DiffOut.model_validate(service.diff(session, principal=principal, from_id=from_id, to_id=to_id))


@router.get("/versions/{version_id}", response_model=VersionOut, responses=_ERRORS)
def get_version(version_id: RowId, session: DbSession, principal: OptionalPrincipal) -> VersionOut:
    """One version of a list (drafts only for their department and administrators)."""
    return VersionOut.model_validate(service.get_version(session, principal=principal, version_id=version_id))


@router.delete("/versions/{version_id}", status_code=204, response_class=Response, responses=_ERRORS)
def delete_draft(version_id: RowId, session: DbSession, principal: Manager) -> Response:
    """The department (or an administrator) deletes a draft; other versions are the record (409)."""
    service.delete_draft(session, principal=principal, version_id=version_id)
    return Response(status_code=204)


@router.post("/versions/{version_id}/submit", response_model=VersionOut, responses=_ERRORS)
def submit(version_id: RowId, session: DbSession, principal: Manager) -> VersionOut:
    """The department submits its draft for review."""
    return VersionOut.model_validate(service.submit(session, principal=principal, version_id=version_id))


@router.post("/versions/{version_id}/publish", response_model=VersionOut, responses=_ERRORS)
def publish(version_id: RowId, body: PublishIn, session: DbSession, principal: Admin) -> VersionOut:
    """An administrator publishes a reviewed version, dated; the previous one is superseded."""
    return VersionOut.model_validate(
        service.publish(session, principal=principal, version_id=version_id, effective_date=body.effective_date)
    )


@router.get("/{list_type}", response_model=list[VersionOut], responses=_ERRORS)
def current(
    list_type: ListType,
    session: DbSession,
    page: Page,
    response: Response,
    department: Annotated[str | None, Query(max_length=32)] = None,
) -> list[VersionOut]:
    """The published list of each department (or of one), in force now, by department code;
    X-Total-Count gives the number of departments' lists."""
    versions, total = service.current(session, list_type=list_type, department=department, page=page)
    page.describe(response, total)
    return [VersionOut.model_validate(v) for v in versions]


@router.get("/{list_type}/versions", response_model=list[VersionOut])
def versions(
    list_type: ListType,
    session: DbSession,
    principal: OptionalPrincipal,
    page: Page,
    response: Response,
    department: Annotated[str | None, Query(max_length=32)] = None,
) -> list[VersionOut]:
    """Every published version (and the caller's department's drafts), by department and version,
    paginated; X-Total-Count gives the number of all of them."""
    rows, total = service.versions(session, principal=principal, list_type=list_type, department=department, page=page)
    page.describe(response, total)
    return [VersionOut.model_validate(v) for v in rows]


@router.post("/{list_type}/drafts", status_code=201, response_model=VersionOut, responses=_ERRORS)
@body_limit(LARGE_JSON_BODY_BYTES)
def create_draft(list_type: ListType, body: DraftIn, session: DbSession, principal: Manager) -> VersionOut:
    """A department compiles the next version of its list as a draft."""
    return VersionOut.model_validate(
        service.create_draft(
            session,
            principal=principal,
            list_type=list_type,
            department_code=body.department_code,
            entries=body.entries,
            note=body.note,
        )
    )


@router.post("/{list_type}/import", response_model=ListImportReport, responses=_ERRORS)
@body_limit(UPLOAD, field="file")
async def import_list(
    list_type: ListType,
    session: DbSession,
    principal: Manager,
    file: Annotated[UploadFile, File(description=".xlsx (or CSV): code, name, category, basis, content, amount")],
    department: Annotated[str, Query(max_length=32)],
    dry_run: Annotated[bool, Query()] = True,
) -> ListImportReport:
    """Import a draft from a spreadsheet; every bad row is reported and nothing is applied if any is bad."""
    data = await read_upload(file, max_bytes=TABLE_MAX_BYTES)
    # Parsing and writing the rows off the event loop.
    return ListImportReport.model_validate(
        await run_in_threadpool(
            service.import_draft,
            session,
            principal=principal,
            list_type=list_type,
            department_code=department,
            data=data,
            filename=file.filename or "",
            dry_run=dry_run,
        )
    )
