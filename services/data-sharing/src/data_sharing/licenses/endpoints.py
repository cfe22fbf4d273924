from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from data_sharing.deps import Audit, DsSettings, Signer
from data_sharing.licenses import lifecycle, qr, service, types
from data_sharing.licenses.models import License
from data_sharing.licenses.schemas import (
    CheckIn,
    CheckOut,
    LicenseOut,
    LicenseRegisterIn,
    LicenseTypeIn,
    LicenseTypeOut,
    StatusChangeIn,
    Verification,
)
from data_sharing.settings import Settings
from gov_common.auth import AssuredL2, CurrentPrincipal
from gov_common.pagination import Page
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1", tags=["licenses"])
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such licence, or not yours"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "The licence is no longer valid"}}


def _out(license: License, settings: Settings) -> LicenseOut:
    out = LicenseOut.model_validate(license)
    out.verification_url = qr.verification_url(settings.public_base_url, license.license_no)
    return out


@router.get("/licenses/{license_no}/verify", response_model=Verification, responses=_NOT_FOUND)
def verify_license(license_no: str, session: DbSession, signer: Signer, audit: Audit) -> Verification:
    """Verify a licence (no login): signature, status and validity period."""
    return service.verify(session, license_no=license_no, signer=signer, audit=audit)


@router.get(
    "/licenses/{license_no}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **_NOT_FOUND},
)
def license_qr_png(
    license_no: str, session: DbSession, settings: DsSettings, scale: Annotated[int, Query(ge=1, le=20)] = 5
) -> Response:
    """The licence's QR code (PNG), encoding its public verification URL."""
    url = qr.verification_url(settings.public_base_url, service.load(session, license_no).license_no)
    return Response(qr.qr_png(url, scale=scale), media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get(
    "/licenses/{license_no}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **_NOT_FOUND},
)
def license_qr_svg(
    license_no: str, session: DbSession, settings: DsSettings, scale: Annotated[int, Query(ge=1, le=20)] = 5
) -> Response:
    """The licence's QR code (SVG), encoding its public verification URL."""
    url = qr.verification_url(settings.public_base_url, service.load(session, license_no).license_no)
    return Response(qr.qr_svg(url, scale=scale), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post(
    "/licenses/check",
    response_model=CheckOut,
    responses={403: {"description": "Not the holder, staff or an entitled client (audited)"}, **_NOT_FOUND},
)
def check_license(
    body: CheckIn, principal: CurrentPrincipal, session: DbSession, signer: Signer, audit: Audit
) -> CheckOut:
    """Whether a licence can stand for a material: holder, type, trust level, signature, status, period."""
    return service.check(session, audit=audit, principal=principal, body=body, signer=signer)


@router.get("/licenses", response_model=list[LicenseOut])
def my_wallet(
    principal: AssuredL2,
    session: DbSession,
    page: Page,
    response: Response,
    settings: DsSettings,
    status: Annotated[str | None, Query(pattern="^(valid|revoked|cancelled|expired)$")] = None,
    license_type: Annotated[str | None, Query(max_length=64)] = None,
) -> list[LicenseOut]:
    """The caller's licences (their wallet), newest first."""
    licenses, total = service.wallet(session, principal=principal, page=page, status=status, license_type=license_type)
    page.describe(response, total)
    return [_out(x, settings) for x in licenses]


@router.post(
    "/licenses",
    status_code=201,
    response_model=LicenseOut,
    responses={403: {"description": "Not staff, or not the holder"}, 422: {"description": "Bad field (named)"}},
)
def register_license(
    body: LicenseRegisterIn, principal: CurrentPrincipal, session: DbSession, signer: Signer, settings: DsSettings
) -> LicenseOut:
    """Register a licence not issued from a case: staff at trust level B or C, a holder's own at D."""
    return _out(service.register_license(session, principal=principal, body=body, signer=signer), settings)


@router.get("/licenses/{license_no}", response_model=LicenseOut, responses=_NOT_FOUND)
def get_license(
    license_no: str, principal: AssuredL2, session: DbSession, audit: Audit, settings: DsSettings
) -> LicenseOut:
    """One licence in full, for its holder and the issuing department's staff."""
    return _out(service.get_for(session, principal=principal, license_no=license_no, audit=audit), settings)


@router.post("/licenses/{license_no}/revoke", response_model=LicenseOut, responses={**_NOT_FOUND, **_CONFLICT})
def revoke_license(
    license_no: str, body: StatusChangeIn, principal: CurrentPrincipal, session: DbSession, settings: DsSettings
) -> LicenseOut:
    """Revoke (吊销) a licence: the issuing department, with the reason."""
    return _out(lifecycle.revoke(session, principal=principal, license_no=license_no, reason=body.reason), settings)


@router.post("/licenses/{license_no}/cancel", response_model=LicenseOut, responses={**_NOT_FOUND, **_CONFLICT})
def cancel_license(
    license_no: str, body: StatusChangeIn, principal: AssuredL2, session: DbSession, settings: DsSettings
) -> LicenseOut:
    """Cancel (注销) a licence: its holder or the issuing department."""
    return _out(lifecycle.cancel(session, principal=principal, license_no=license_no, reason=body.reason), settings)


@router.get("/license-keys")
def license_keys(signer: Signer) -> dict[str, Any]:
    """The public keys that verify licence signatures (JWKS), for offline verification."""
    return signer.jwks()


@router.get("/license-types", response_model=list[LicenseTypeOut])
def list_license_types(session: DbSession, page: Page, response: Response) -> list[LicenseTypeOut]:
    """Licence types and the fields each shows."""
    found, total = types.list_types(session, page=page)
    page.describe(response, total)
    return [LicenseTypeOut.model_validate(t) for t in found]


@router.get("/license-types/{code}", response_model=LicenseTypeOut, responses={404: {"description": "None"}})
def get_license_type(code: str, session: DbSession) -> LicenseTypeOut:
    """One licence type."""
    return LicenseTypeOut.model_validate(types.get_type(session, code=code))


@router.post(
    "/license-types",
    status_code=201,
    response_model=LicenseTypeOut,
    responses={403: {"description": "Not the admin"}, 409: {"description": "Exists"}},
)
def register_license_type(body: LicenseTypeIn, principal: CurrentPrincipal, session: DbSession) -> LicenseTypeOut:
    """Register a licence type (admin)."""
    return LicenseTypeOut.model_validate(types.register_type(session, principal=principal, body=body))
