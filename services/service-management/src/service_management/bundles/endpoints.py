from __future__ import annotations

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
    BundleDetail,
    BundleOut,
)
from service_management.cases import idempotency, prefetch
from service_management.cases.idempotency import IdempotencyKey
from service_management.cases.materials import refs
from service_management.catalogue.schemas import Material
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
    bundle = service.get_bundle(session, code)
    return BundleDetail(
        **BundleOut.model_validate(bundle).model_dump(),
        materials=[Material.model_validate(m) for m in service.shared_materials(session, bundle)],
    )


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
        session, ports, principal=principal, code=code, forms=body.forms, materials=body.materials
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
