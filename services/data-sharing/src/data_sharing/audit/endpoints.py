from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from data_sharing.audit import service
from data_sharing.audit.export import export_segment
from data_sharing.audit.schemas import AuditEntryOut, AuditSegment, ChainVerification, DataAccessOut, Reader
from data_sharing.audit.verification import verify_chain as verify
from data_sharing.deps import Audit, CheckpointKeys, Checkpoints, DsSettings
from gov_common.auth import AssuredL2, CurrentPrincipal, Principal, Roles
from gov_common.errors import Forbidden
from gov_common.pagination import Page
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
_ADMIN: dict[int | str, dict[str, Any]] = {403: {"description": "Not the admin"}}
_SEQ = 2**31 - 1  # the column is a 32-bit integer


def _admin(principal: Principal) -> None:
    if not principal.has_role(Roles.ADMIN):
        raise Forbidden("仅系统管理员可以查阅审计日志")


@router.get("/verify", response_model=ChainVerification, responses=_ADMIN)
def verify_chain(
    principal: CurrentPrincipal, session: DbSession, audit: Audit, checkpoints: Checkpoints
) -> ChainVerification:
    """Verify the chain, the signed head and the newest signed checkpoint; names what was altered or removed."""
    _admin(principal)
    newest = checkpoints.newest()  # read before the session's first query: no transaction across the network
    return verify(
        session,
        key=audit.key,
        checkpoint=newest.checkpoint,
        checkpoint_source=newest.source,
        warnings=newest.warnings,
    )


@router.get("/export", response_model=AuditSegment, responses={**_ADMIN, 422: {"description": "Range too large"}})
def export(
    principal: CurrentPrincipal,
    session: DbSession,
    checkpoints: Checkpoints,
    settings: DsSettings,
    from_seq: Annotated[int, Query(ge=1, le=_SEQ)] = 1,
    to_seq: Annotated[int | None, Query(ge=1, le=_SEQ)] = None,
) -> AuditSegment:
    """A segment of the log with the signed checkpoints covering it, for verification by a third party."""
    _admin(principal)
    newest = checkpoints.newest()
    return export_segment(
        session,
        from_seq=from_seq,
        to_seq=to_seq,
        max_entries=settings.audit_export_max_entries,
        newest_envelope=newest.envelope,
    )


@router.get("/checkpoint-keys")
def checkpoint_keys(signer: CheckpointKeys) -> dict[str, Any]:
    """The public keys that verify audit checkpoints (JWKS; the current key and retired ones)."""
    return signer.jwks()


@router.get("/entries", response_model=list[AuditEntryOut], responses=_ADMIN)
def list_entries(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Page,
    response: Response,
    subject: Annotated[str | None, Query(max_length=18)] = None,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    client_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEntryOut]:
    """Audit entries, newest first, by subject, resource or client application."""
    _admin(principal)
    entries, total = service.list_entries(
        session, page=page, subject=subject.upper() if subject else None, resource=resource, client_id=client_id
    )
    page.describe(response, total)
    return [AuditEntryOut.model_validate(e) for e in entries]


@router.get("/my-data-access", response_model=list[DataAccessOut], responses={403: {"description": "Not an applicant"}})
def my_data_access(principal: AssuredL2, session: DbSession, page: Page, response: Response) -> list[DataAccessOut]:
    """Who read my data (and who was refused), when, through which application and for what."""
    if not principal.is_applicant or not principal.id_number:
        raise Forbidden("此处仅列出本人或本单位数据的查询记录")
    entries, total = service.list_entries(session, page=page, subject=principal.id_number, exclude_actor=principal.sub)
    page.describe(response, total)
    return [
        DataAccessOut(
            at=e.at,
            reader=Reader(kind=e.actor_kind, name=e.actor_name, department=e.actor_department, client_id=e.client_id),
            resource=e.resource,
            fields=list(e.fields),
            purpose=e.purpose,
            outcome=e.outcome,
        )
        for e in entries
    ]
