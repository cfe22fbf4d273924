from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from data_sharing.credit import feed, service
from data_sharing.credit.schemas import CreditRecordIn, CreditRecordOut, CreditStatus, WithdrawIn
from data_sharing.deps import Audit, PurposeQuery
from gov_common.auth import CurrentPrincipal, Roles
from gov_common.errors import Forbidden
from gov_common.params import RowId
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])


@router.get(
    "/subjects/{subject}/status",
    responses={
        200: {"model": CreditStatus, "description": "The records in force today (only the fields you may receive)"},
        403: {"description": "Not the subject, staff, a service or a client with a grant (audited)"},
        422: {"description": "Not a resident ID number or USCC"},
    },
)
def subject_status(
    subject: str, principal: CurrentPrincipal, session: DbSession, audit: Audit, purpose: PurposeQuery = None
) -> dict[str, Any]:
    """Whether a person or entity is on the red or black list today, with the records in force."""
    return service.status(session, audit=audit, principal=principal, subject=subject, purpose=purpose)


@router.post(
    "/records",
    status_code=201,
    response_model=CreditRecordOut,
    responses={403: {"description": "Not a department's staff"}, 422: {"description": "Bad field (named)"}},
)
def add_record(body: CreditRecordIn, principal: CurrentPrincipal, session: DbSession) -> CreditRecordOut:
    """Enter a red-list or black-list record for the caller's department."""
    return CreditRecordOut.model_validate(service.add_record(session, principal=principal, body=body))


@router.post(
    "/records/{record_id}/withdraw",
    response_model=CreditRecordOut,
    responses={403: {"description": "Not the source department"}, 409: {"description": "Already withdrawn"}},
)
def withdraw(record_id: RowId, body: WithdrawIn, principal: CurrentPrincipal, session: DbSession) -> CreditRecordOut:
    """Withdraw a record (credit repair) before its period ends."""
    return CreditRecordOut.model_validate(
        service.withdraw(session, principal=principal, record_id=record_id, reason=body.reason)
    )


@router.post(
    "/feed/republish",
    responses={403: {"description": "Not the admin"}},
)
def republish(principal: CurrentPrincipal, session: DbSession) -> dict[str, int]:
    """Publish every subject's credit records again on gov.credit.v1 (after the topic was lost), so
    that service-management's read model can be rebuilt from it (docs/data-sharing.md)."""
    if not principal.has_role(Roles.ADMIN):
        raise Forbidden("仅系统管理员可以重新发布信用信息")
    return {"subjects": feed.republish_all(session)}
