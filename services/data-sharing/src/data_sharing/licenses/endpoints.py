from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from data_sharing.licenses import service
from data_sharing.licenses.schemas import LicenseOut, Verification
from data_sharing.licenses.signing import LicenseSigner
from gov_common.auth import CurrentPrincipal
from gov_common.pagination import Page
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1", tags=["licenses"])


def _signer(request: Request) -> LicenseSigner:
    signer: LicenseSigner = request.app.state.license_signer
    return signer


@router.get(
    "/licenses/{license_no}/verify", response_model=Verification, responses={404: {"description": "No such licence"}}
)
def verify_license(license_no: str, request: Request, session: DbSession) -> Verification:
    """Verify a licence (no login): signature, status and validity period."""
    return service.verify(session, license_no=license_no, signer=_signer(request))


@router.get("/licenses", response_model=list[LicenseOut])
def my_wallet(principal: CurrentPrincipal, session: DbSession, page: Page, response: Response) -> list[LicenseOut]:
    """The caller's licences (their wallet), newest first."""
    licenses, total = service.wallet(session, principal=principal, page=page)
    page.describe(response, total)
    return [LicenseOut.model_validate(x) for x in licenses]


@router.get(
    "/licenses/{license_no}",
    response_model=LicenseOut,
    responses={404: {"description": "No such licence, or not yours"}},
)
def get_license(license_no: str, principal: CurrentPrincipal, session: DbSession) -> LicenseOut:
    """One licence in full, for its holder and the staff entitled to it."""
    return LicenseOut.model_validate(service.get_for(session, principal=principal, license_no=license_no))


@router.get("/license-keys")
def license_keys(request: Request) -> dict[str, Any]:
    """The public keys that verify licence signatures (JWKS), for offline verification."""
    return _signer(request).jwks()
