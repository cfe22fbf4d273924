from __future__ import annotations

from fastapi import APIRouter

from gov_common.service import DbSession
from service_management.progress import service
from service_management.progress.schemas import ProgressLookupIn, PublicProgress

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post(
    "/case-progress",
    response_model=PublicProgress,
    responses={
        404: {"description": "No case with this number and these six characters (the same for either mismatch)"},
        422: {"description": "A field is malformed (it is named)"},
    },
)
def look_up_progress(body: ProgressLookupIn, session: DbSession) -> PublicProgress:
    """Public progress look-up (no login): case number and the last six characters of the applicant's ID
    number give the status and timeline. POST, so that the six characters stay out of URLs and logs."""
    return service.look_up(session, case_no=body.case_no, id_last6=body.id_last6)
