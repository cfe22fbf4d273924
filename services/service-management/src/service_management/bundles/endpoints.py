from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from gov_common.auth import Applicant, CurrentPrincipal
from gov_common.pagination import Page
from gov_common.service import DbSession
from service_management.bundles import service
from service_management.bundles.schemas import (
    BranchOut,
    BundleApplicationIn,
    BundleApplicationOut,
    BundleApplicationSummary,
    BundleCreate,
    BundleDefinitionOut,
    BundleDetail,
    BundleIn,
    BundleOut,
)
from service_management.cases import idempotency, prefetch
from service_management.cases.idempotency import IdempotencyKey
from service_management.cases.materials import refs
from service_management.deps import Admin
from service_management.models import BundleApplication, Case
from service_management.ports import CurrentPorts

router = APIRouter(prefix="/api/v1", tags=["bundles"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Only applicants file and list bundle applications"},
    404: {"description": "No such bundle or application"},
    422: {"description": "A form or material does not match its item (the field is named)"},
}


def _out(application: BundleApplication, branches: list[Case]) -> BundleApplicationOut:
    return BundleApplicationOut(
        bundle_no=application.bundle_no,
        bundle_code=application.bundle_code,
        status=application.status,
        created_at=application.created_at,
        concluded_at=application.concluded_at,
        branches=[
            BranchOut(case_no=c.case_no, item_code=c.item_code, department_code=c.department_code, status=c.status)
            for c in branches
        ],
    )


@router.get("/bundles", response_model=list[BundleOut])
def list_bundles(session: DbSession) -> list[BundleOut]:
    """Item groups applied for in one application (一件事一次办)."""
    return [BundleOut.model_validate(b) for b in service.list_bundles(session)]


@router.get("/bundles/{code}", response_model=BundleDetail, responses=_ERRORS)
def get_bundle(code: str, session: DbSession) -> BundleDetail:
    """A bundle with the materials of all its items, each asked for once."""
    return BundleDetail.model_validate(service.describe(session, service.get_bundle(session, code)))


@router.post("/bundles/{code}/applications", status_code=201, response_model=BundleApplicationOut, responses=_ERRORS)
def apply(
    code: str,
    body: BundleApplicationIn,
    principal: Applicant,
    session: DbSession,
    ports: CurrentPorts,
    key: IdempotencyKey,
) -> BundleApplicationOut:
    """Apply for every item of the bundle at once: one case per item, dispatched in parallel.
    An `Idempotency-Key` makes a resend safe, as for POST /api/v1/cases."""
    digest = idempotency.request_hash(f"bundles/{code}/applications", body)
    if (answer := idempotency.replay(session, owner=principal.sub, key=key, digest=digest)) is not None:
        return BundleApplicationOut.model_validate(answer)
    prefetch.end_reads(session)
    given = refs(body.materials)
    items = service.get_bundle(session, code).item_codes if any(r.license_no for r in given) else []
    ports = prefetch.for_filing(session, ports, applicant_id=principal.id_number or "", items=items, refs=given)
    if (answer := idempotency.claim(session, owner=principal.sub, key=key, digest=digest)) is not None:
        return BundleApplicationOut.model_validate(answer)
    application = service.apply(
        session, ports, principal=principal, code=code, form=body.form, forms=body.forms, materials=body.materials
    )
    _, branches = service.get_application(session, principal=principal, bundle_no=application.bundle_no)
    out = _out(application, branches)
    idempotency.record(session, owner=principal.sub, key=key, answer=out)
    return out


@router.get("/bundle-applications", response_model=list[BundleApplicationSummary], responses=_ERRORS)
def list_my_applications(
    principal: Applicant, session: DbSession, page: Page, response: Response
) -> list[BundleApplicationSummary]:
    """The caller's own bundle applications, newest first, each with a status derived from its branches."""
    summaries, total = service.list_my_applications(session, principal=principal, page=page)
    page.describe(response, total)
    return [
        BundleApplicationSummary(
            bundle_no=s.application.bundle_no,
            bundle_code=s.application.bundle_code,
            bundle_name=s.bundle_name,
            filed_at=s.application.created_at,
            concluded_at=s.application.concluded_at,
            overall_status=s.overall_status,
            branch_count=len(s.branch_statuses),
            ended_count=s.ended_count,
        )
        for s in summaries
    ]


@router.get("/bundle-applications/{bundle_no}", response_model=BundleApplicationOut, responses=_ERRORS)
def get_application(bundle_no: str, principal: CurrentPrincipal, session: DbSession) -> BundleApplicationOut:
    """A bundle application and its branches; it concludes when every branch has ended."""
    application, branches = service.get_application(session, principal=principal, bundle_no=bundle_no)
    return _out(application, branches)


# --- composition by administrators (一件事的编排) ---------------------------------------------------------------

_ADMIN_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Only administrators compose bundles"},
    404: {"description": "No such bundle"},
    409: {"description": "The code is taken (bundle_exists), or the bundle is retired (bundle_retired)"},
    422: {
        "description": "An item is missing or unpublished, listed twice, for other applicants, or two items ask "
        "for one field with different types (the field is named)"
    },
}


def _definition(session: DbSession, bundle: Any) -> BundleDefinitionOut:
    return BundleDefinitionOut.model_validate(service.describe(session, bundle))


@router.get("/bundle-definitions", response_model=list[BundleDefinitionOut], responses=_ADMIN_ERRORS)
def list_definitions(_: Admin, session: DbSession) -> list[BundleDefinitionOut]:
    """Every bundle in every status (draft, published, retired), for the administrators who compose them."""
    return [_definition(session, b) for b in service.list_definitions(session)]


@router.post("/bundle-definitions", status_code=201, response_model=BundleDefinitionOut, responses=_ADMIN_ERRORS)
def create_definition(body: BundleCreate, _: Admin, session: DbSession) -> BundleDefinitionOut:
    """Compose a bundle from published items of one or more departments; it starts as a draft. The members'
    form fields become one combined form (the same name once); materials with the same code are asked once."""
    return _definition(session, service.create(session, body))


@router.get("/bundle-definitions/{code}", response_model=BundleDefinitionOut, responses=_ADMIN_ERRORS)
def get_definition(code: str, _: Admin, session: DbSession) -> BundleDefinitionOut:
    return _definition(session, service.get_definition(session, code))


@router.put("/bundle-definitions/{code}", response_model=BundleDefinitionOut, responses=_ADMIN_ERRORS)
def update_definition(code: str, body: BundleIn, _: Admin, session: DbSession) -> BundleDefinitionOut:
    """Change a draft or published bundle; applications already filed keep their cases."""
    return _definition(session, service.update(session, code, body))


@router.post("/bundle-definitions/{code}/publish", response_model=BundleDefinitionOut, responses=_ADMIN_ERRORS)
def publish_definition(code: str, _: Admin, session: DbSession) -> BundleDefinitionOut:
    """Offer the bundle to applicants (its members are checked again: each must still be published)."""
    return _definition(session, service.set_status(session, code, "published"))


@router.post("/bundle-definitions/{code}/retire", response_model=BundleDefinitionOut, responses=_ADMIN_ERRORS)
def retire_definition(code: str, _: Admin, session: DbSession) -> BundleDefinitionOut:
    """No longer offered; its applications stay readable."""
    return _definition(session, service.set_status(session, code, "retired"))
