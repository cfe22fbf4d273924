from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from gov_common.auth import CurrentPrincipal
from gov_common.errors import Forbidden
from gov_common.limits import UPLOAD, body_limit
from gov_common.pagination import Page
from gov_common.service import DbSession
from service_management.cases import idempotency, prefetch
from service_management.cases.idempotency import IdempotencyKey
from service_management.cases.materials import refs
from service_management.cases.schemas import CaseCreated
from service_management.deps import Clerk
from service_management.intake import service
from service_management.intake.filters import Filters
from service_management.intake.schemas import (
    Acceptance,
    QueueEntry,
    Rejection,
    Supplement,
    SupplementRequest,
    UploadOut,
    WindowCaseCreate,
)
from service_management.ports import CurrentPorts
from service_management.uploads import read_upload

router = APIRouter(prefix="/api/v1", tags=["intake"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not a window clerk (or not the applicant)"},
    404: {"description": "No such case, item or file"},
    409: {"description": "The case is not in a state that allows this (e.g. materials missing)"},
    413: {"description": "The file is too large"},
    415: {"description": "Only PDF, JPEG and PNG files are accepted (judged by their bytes)"},
    422: {"description": "A field is invalid (it is named)"},
}


@router.post("/files", status_code=201, response_model=UploadOut, responses=_ERRORS)
@body_limit(UPLOAD, field="file")
async def upload_file(
    principal: CurrentPrincipal,
    session: DbSession,
    ports: CurrentPorts,
    file: Annotated[UploadFile, File(description="a material: PDF, JPEG or PNG")],
) -> UploadOut:
    """Upload a material file; refer to it by its file_id (its SHA-256) when filing or supplementing."""
    if not (principal.is_applicant or principal.has_role("clerk", "admin")):
        raise Forbidden("仅申请人和窗口人员可以上传材料")
    data = await read_upload(file, max_bytes=ports.files.max_bytes)
    # Database work off the event loop: waiting on a lock held by another upload of the same file
    # must not stop the loop that upload needs to commit (a deadlock until the lock times out).
    stored = await run_in_threadpool(service.upload, session, ports, principal=principal, data=data)
    return UploadOut(file_id=stored.file_id, content_type=stored.content_type, size=stored.size)


@router.get("/cases/{case_no}/materials/{file_id}", responses=_ERRORS)
def get_material_file(
    case_no: str, file_id: str, principal: CurrentPrincipal, session: DbSession, ports: CurrentPorts
) -> Response:
    """A material file of a case: for its applicant, its department's staff, clerks and services."""
    data, content_type = service.material_file(session, ports, principal=principal, case_no=case_no, file_id=file_id)
    return Response(
        content=data,
        media_type=content_type,
        headers={"Cache-Control": "private, no-store", "Content-Disposition": f'attachment; filename="{file_id}"'},
    )


@router.post("/intake/cases", status_code=201, response_model=CaseCreated, responses=_ERRORS)
def file_at_window(
    body: WindowCaseCreate, clerk: Clerk, session: DbSession, ports: CurrentPorts, key: IdempotencyKey
) -> CaseCreated:
    """A window clerk files a case for a walk-in applicant; it waits in the intake queue.
    An `Idempotency-Key` makes a resend safe, as for POST /api/v1/cases."""
    digest = idempotency.request_hash("intake/cases", body)
    if (answer := idempotency.replay(session, owner=clerk.sub, key=key, digest=digest)) is not None:
        return CaseCreated.model_validate(answer)
    prefetch.end_reads(session)
    applicant = service.walk_in_identity(body.applicant)
    ports = prefetch.for_filing(
        session, ports, applicant_id=applicant.id_number, items=[body.item_code], refs=refs(body.materials)
    )
    if (answer := idempotency.claim(session, owner=clerk.sub, key=key, digest=digest)) is not None:
        return CaseCreated.model_validate(answer)
    case = service.file_at_window(
        session,
        ports,
        clerk=clerk,
        item_code=body.item_code,
        applicant=body.applicant,
        form=body.form,
        materials=body.materials,
    )
    created = CaseCreated(case_no=case.case_no, status=case.status)
    idempotency.record(session, owner=clerk.sub, key=key, answer=created)
    return created


@router.get("/intake/queue", response_model=list[QueueEntry], responses=_ERRORS)
def intake_queue(
    _clerk: Clerk, session: DbSession, page: Page, response: Response, filters: Filters
) -> list[QueueEntry]:
    """Cases waiting for intake (submitted, or waiting for a supplement), oldest first unless sorted otherwise."""
    rows, total = service.queue(session, page=page, filters=filters)
    page.describe(response, total)
    return [QueueEntry.model_validate(c) for c in rows]


@router.post("/intake/cases/{case_no}/accept", response_model=CaseCreated, responses=_ERRORS)
def accept(
    case_no: str, clerk: Clerk, session: DbSession, ports: CurrentPorts, body: Acceptance | None = None
) -> CaseCreated:
    """Accept (受理) a complete case: it goes on to its department. Every required material must be
    provided — a file, a usable licence, or for a paper original/copy the clerk's confirmation
    (`materials` may record them now); otherwise 409 naming the missing materials."""
    given = refs(body.materials) if body and body.materials else []
    ports = prefetch.for_case(session, ports, case_no=case_no, principal=clerk, refs=given)
    case = service.accept(
        session,
        ports,
        clerk=clerk,
        case_no=case_no,
        note=body.note if body else None,
        materials=body.materials if body else None,
    )
    return CaseCreated(case_no=case.case_no, status=case.status)


@router.post("/intake/cases/{case_no}/supplement", response_model=CaseCreated, responses=_ERRORS)
def request_supplement(case_no: str, body: SupplementRequest, clerk: Clerk, session: DbSession) -> CaseCreated:
    """Ask for missing materials (补正); the case's clock pauses until the applicant supplements."""
    case = service.request_supplement(session, clerk=clerk, case_no=case_no, missing=body.missing, note=body.note)
    return CaseCreated(case_no=case.case_no, status=case.status)


@router.post("/intake/cases/{case_no}/reject", response_model=CaseCreated, responses=_ERRORS)
def reject(case_no: str, body: Rejection, clerk: Clerk, session: DbSession, ports: CurrentPorts) -> CaseCreated:
    """Reject the application (不予受理) with a reason; the case ends."""
    ports = prefetch.for_case(session, ports, case_no=case_no, principal=clerk)  # a process may go on
    case = service.reject(session, ports, clerk=clerk, case_no=case_no, reason=body.reason)
    return CaseCreated(case_no=case.case_no, status=case.status)


@router.post("/cases/{case_no}/supplement", response_model=CaseCreated, responses=_ERRORS)
def supplement(
    case_no: str, body: Supplement, principal: CurrentPrincipal, session: DbSession, ports: CurrentPorts
) -> CaseCreated:
    """Supply the materials asked for; the clock resumes and the case returns to intake."""
    given = refs(body.materials)
    ports = prefetch.for_case(session, ports, case_no=case_no, principal=principal, refs=given, credit=False)
    case = service.supplement(session, ports, principal=principal, case_no=case_no, materials=body.materials)
    return CaseCreated(case_no=case.case_no, status=case.status)
