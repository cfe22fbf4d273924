from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from business_systems.deps import DepartmentCode, DepartmentStaff, Files
from business_systems.files import service
from business_systems.files.schemas import AttachmentOut
from gov_common.auth import CurrentPrincipal
from gov_common.files import attachment_disposition
from gov_common.limits import UPLOAD, body_limit
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1", tags=["files"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not staff who handle this case"},
    404: {"description": "No such case (or attachment) that you may see"},
    409: {"description": "The case is decided: its file is closed"},
    413: {"description": "The file is larger than the limit"},
    415: {"description": "Not a PDF, JPEG or PNG by its bytes, or the bytes are not what the name claims"},
}


def _file_response(download: service.Download) -> Response:
    return Response(
        content=download.data,
        media_type=download.content_type,
        headers={
            "Content-Disposition": attachment_disposition(download.name),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/work-items/{case_no}/attachments", status_code=201, response_model=AttachmentOut, responses=_ERRORS)
@body_limit(UPLOAD, field="file")
def attach(
    case_no: str,
    file: Annotated[UploadFile, File(description="a PDF, JPEG or PNG file")],
    principal: DepartmentStaff,
    session: DbSession,
    department: DepartmentCode,
    store: Files,
) -> AttachmentOut:
    """Attach a file (PDF, JPEG or PNG, judged by its bytes) to a pending case."""
    data = file.file.read(store.max_bytes + 1)
    attachment = service.attach(
        session,
        store=store,
        principal=principal,
        case_no=case_no,
        department_code=department,
        name=file.filename,
        declared_type=file.content_type,
        data=data,
    )
    return AttachmentOut.model_validate(attachment)


@router.get("/work-items/{case_no}/attachments", response_model=list[AttachmentOut], responses=_ERRORS)
def staff_list(
    case_no: str, principal: DepartmentStaff, session: DbSession, department: DepartmentCode
) -> list[AttachmentOut]:
    """The files attached to a case."""
    attachments = service.list_attachments(session, principal=principal, case_no=case_no, department_code=department)
    return [AttachmentOut.model_validate(a) for a in attachments]


@router.get("/work-items/{case_no}/attachments/{file_id}", responses=_ERRORS)
def staff_download(
    case_no: str, file_id: str, principal: DepartmentStaff, session: DbSession, department: DepartmentCode, store: Files
) -> Response:
    """Download an attached file."""
    return _file_response(
        service.download(
            session, store=store, principal=principal, case_no=case_no, department_code=department, file_id=file_id
        )
    )


@router.get("/cases/{case_no}/attachments", response_model=list[AttachmentOut], responses=_ERRORS)
def case_list(
    case_no: str, principal: CurrentPrincipal, session: DbSession, department: DepartmentCode
) -> list[AttachmentOut]:
    """The files the department attached to a case: for its applicant and the staff who handle it."""
    attachments = service.list_attachments(session, principal=principal, case_no=case_no, department_code=department)
    return [AttachmentOut.model_validate(a) for a in attachments]


@router.get("/cases/{case_no}/attachments/{file_id}", responses=_ERRORS)
def case_download(
    case_no: str,
    file_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    department: DepartmentCode,
    store: Files,
) -> Response:
    """Download a file the department attached to a case: for its applicant and the staff who handle it."""
    return _file_response(
        service.download(
            session, store=store, principal=principal, case_no=case_no, department_code=department, file_id=file_id
        )
    )
