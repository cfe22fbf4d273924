from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from data_sharing.deps import Audit, DsSettings, FieldsQuery, PurposeQuery
from data_sharing.registries import imports, service
from data_sharing.registries.schemas import DivisionNode, DivisionTree, ImportOut
from gov_common.auth import AssuredL2, CurrentPrincipal
from gov_common.errors import DomainError
from gov_common.limits import UPLOAD, body_limit
from gov_common.pagination import Page
from gov_common.params import RowId
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/registries", tags=["base registries"])
_GOVERNED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not covered by a grant or entitlement (the refusal is audited)"},
    422: {"description": "Bad identifier or unknown field (named)"},
}


class PayloadTooLarge(DomainError):
    status, title = 413, "Content Too Large"


@router.post(
    "/{resource}/imports",
    status_code=201,
    response_model=ImportOut,
    responses={
        403: {"description": "Not the admin or the owning department's admin"},
        404: {"description": "No such registry"},
        413: {"description": "File too large"},
        422: {"description": "Not a CSV of this registry (the field names the problem)"},
    },
)
@body_limit(UPLOAD)
def import_csv(
    resource: str,
    principal: CurrentPrincipal,
    session: DbSession,
    settings: DsSettings,
    content: Annotated[bytes, Body(media_type="text/csv", description="UTF-8 CSV; the first line names the columns")],
    mode: Annotated[str, Query(pattern="^(partial|all_or_nothing)$")] = "partial",
) -> ImportOut:
    """Import a registry from CSV; every row is validated and the report names each rejected row."""
    if len(content) > settings.import_max_bytes:
        raise PayloadTooLarge(f"文件超过 {settings.import_max_bytes} 字节的大小限制", field="body")
    record = imports.import_csv(session, principal=principal, resource=resource, content=content, mode=mode)
    return ImportOut.model_validate(record)


@router.get("/imports/{import_id}", response_model=ImportOut, responses={404: {"description": "No such import"}})
def get_import(import_id: RowId, principal: CurrentPrincipal, session: DbSession) -> ImportOut:
    """The report of one import."""
    return ImportOut.model_validate(imports.get_import(session, principal=principal, import_id=import_id))


@router.get("/population/{id_number}", responses={**_GOVERNED, 404: {"description": "Not in the registry"}})
def read_person(
    id_number: str,
    principal: AssuredL2,
    session: DbSession,
    audit: Audit,
    fields: FieldsQuery = None,
    purpose: PurposeQuery = None,
) -> dict[str, Any]:
    """A person in the population registry, with only the fields the caller may receive."""
    return service.read_person(
        session, audit=audit, principal=principal, id_number=id_number, fields=fields, purpose=purpose
    )


@router.get("/population/{id_number}/legal-entities", responses=_GOVERNED)
def read_represented_entities(
    id_number: str,
    principal: AssuredL2,
    session: DbSession,
    audit: Audit,
    fields: FieldsQuery = None,
    purpose: PurposeQuery = None,
) -> list[dict[str, Any]]:
    """The legal entities this person represents, with only the fields the caller may receive."""
    return service.legal_entities_represented(
        session, audit=audit, principal=principal, id_number=id_number, fields=fields, purpose=purpose
    )


@router.get("/legal-entities/{uscc}", responses={**_GOVERNED, 404: {"description": "Not in the registry"}})
def read_legal_entity(
    uscc: str,
    principal: AssuredL2,
    session: DbSession,
    audit: Audit,
    fields: FieldsQuery = None,
    purpose: PurposeQuery = None,
) -> dict[str, Any]:
    """A legal entity in the legal-entity registry, with only the fields the caller may receive."""
    return service.read_legal_entity(
        session, audit=audit, principal=principal, uscc=uscc, fields=fields, purpose=purpose
    )


@router.get("/divisions", responses=_GOVERNED)
def list_divisions(
    principal: CurrentPrincipal,
    session: DbSession,
    audit: Audit,
    page: Page,
    response: Response,
    parent: Annotated[str | None, Query(max_length=6)] = None,
    level: Annotated[str | None, Query(pattern="^(province|city|county)$")] = None,
    fields: FieldsQuery = None,
    purpose: PurposeQuery = None,
) -> list[dict[str, Any]]:
    """Administrative divisions (GB/T 2260), by parent or level."""
    rows, total = service.list_divisions(
        session,
        audit=audit,
        principal=principal,
        page=page,
        parent=parent,
        level=level,
        fields=fields,
        purpose=purpose,
    )
    page.describe(response, total)
    return rows


@router.get(
    "/division-tree",
    response_model=DivisionTree,
    responses={
        403: {"description": "Not covered by a grant or entitlement (the refusal is audited)"},
        404: {"description": "No such root division"},
        422: {"description": "The root is not a 6-digit division code"},
    },
)
def division_tree(
    principal: CurrentPrincipal,
    session: DbSession,
    audit: Audit,
    response: Response,
    root: Annotated[
        str | None, Query(max_length=6, description="Only this division and those under it (GB/T 2260 code)")
    ] = None,
) -> DivisionTree:
    """The administrative divisions as a tree (province → city → county), for picking one from a list."""
    nodes = service.division_tree(session, audit=audit, principal=principal, root=root)
    # The registry changes yearly; a browser may keep the tree for the length of a form.
    response.headers["Cache-Control"] = "private, max-age=600"
    return DivisionTree(root=root, divisions=[DivisionNode.model_validate(n) for n in nodes])


@router.get("/divisions/{code}", responses={**_GOVERNED, 404: {"description": "No such division"}})
def read_division(
    code: str,
    principal: CurrentPrincipal,
    session: DbSession,
    audit: Audit,
    fields: FieldsQuery = None,
    purpose: PurposeQuery = None,
) -> dict[str, Any]:
    """One division with its ancestors (province first)."""
    return service.read_division(session, audit=audit, principal=principal, code=code, fields=fields, purpose=purpose)


@router.get("/service-halls", responses=_GOVERNED)
def list_service_halls(
    principal: CurrentPrincipal,
    session: DbSession,
    audit: Audit,
    page: Page,
    response: Response,
    division: Annotated[str | None, Query(max_length=6, description="Halls in this division and below")] = None,
    fields: FieldsQuery = None,
    purpose: PurposeQuery = None,
) -> list[dict[str, Any]]:
    """Service halls with their coordinates."""
    rows, total = service.list_service_halls(
        session, audit=audit, principal=principal, page=page, division=division, fields=fields, purpose=purpose
    )
    page.describe(response, total)
    return rows


@router.get("/economic-indicators", responses=_GOVERNED)
def list_indicators(
    principal: CurrentPrincipal,
    session: DbSession,
    audit: Audit,
    page: Page,
    response: Response,
    indicator: Annotated[str | None, Query(max_length=32)] = None,
    division: Annotated[str | None, Query(max_length=6)] = None,
    period_from: Annotated[str | None, Query(max_length=7)] = None,
    period_to: Annotated[str | None, Query(max_length=7)] = None,
    fields: FieldsQuery = None,
    purpose: PurposeQuery = None,
) -> list[dict[str, Any]]:
    """Macro-economic indicator values by division and period."""
    rows, total = service.list_indicators(
        session,
        audit=audit,
        principal=principal,
        page=page,
        indicator=indicator,
        division=division,
        period_from=period_from,
        period_to=period_to,
        fields=fields,
        purpose=purpose,
    )
    page.describe(response, total)
    return rows
