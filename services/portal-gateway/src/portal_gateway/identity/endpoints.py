"""Raising an applicant's assurance (docs/identity.md): a code to the registry's phone (L2), the
identity document checked at a window (L3), and taking back an account squatted under a number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from gov_common.auth import CurrentPrincipal, Principal, TokenIssuer
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound
from portal_gateway.accounts import service as accounts
from portal_gateway.accounts.endpoints import (
    account_out,
    identity_verifier,
    in_unit_of_work,
    verified_source,
    window_staff,
)
from portal_gateway.accounts.schemas import (
    AccountOut,
    AssuranceRaisedOut,
    InPersonVerificationIn,
    PhoneCodeIn,
    PhoneCodeOut,
    ReclaimIn,
    WalkInAccountOut,
)
from portal_gateway.identity import phone
from portal_gateway.identity.sms import DevSmsChannel, SmsChannel
from portal_gateway.models import Account
from portal_gateway.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["identity assurance"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def _person(principal: Principal) -> None:
    if principal.account_type != "person":
        raise Forbidden("认证等级由自然人本人提升")


def _no_registry_phone() -> Conflict:
    return Conflict(
        "人口库中没有该证件号码登记的手机号码：请到窗口或通过省统一身份认证平台提升认证等级",
        code="no_registry_phone",
    )


@router.post(
    "/me/assurance/phone-code",
    status_code=202,
    response_model=PhoneCodeOut,
    responses={
        409: {"description": "Already at L2 or above, or the registry holds no phone (no_registry_phone)"},
        429: {"description": "A code went out too recently or too often; see Retry-After"},
        503: {"description": "The registry or the SMS service is unavailable; see Retry-After"},
    },
)
async def send_phone_code(request: Request, principal: CurrentPrincipal) -> PhoneCodeOut:
    """Send a one-time code to the phone the population registry holds for the caller (for L2)."""
    _person(principal)
    settings = _settings(request)

    def account_ready(session: Session) -> Account:
        account = phone.applicant_account(session, principal.sub)
        phone.check_rate(session, account=account, settings=settings)  # before asking the registry
        return account

    account = await in_unit_of_work(request, account_ready)
    if account.identity_source == "unlisted":
        raise _no_registry_phone()
    # Asked afresh: the phone the registry holds today, and the name still the registry's.
    verification = await identity_verifier(request).verify_person(
        id_number=account.username, name=account.name, purpose="实名认证手机核验"
    )
    if verification.result == "mismatch":
        raise Conflict(
            "账户姓名与人口库登记的不再一致，请到窗口办理",
            code="identity_mismatch",
        )
    if verification.result != "match" or not verification.phone:
        raise _no_registry_phone()
    registry_phone = verification.phone

    def issue(session: Session) -> phone.CodeIssued:
        return phone.issue_code(
            session, account=phone.applicant_account(session, account.id), phone=registry_phone, settings=settings
        )

    issued = await in_unit_of_work(request, issue)
    sms: SmsChannel = request.app.state.sms_channel
    await sms.send_code(phone=issued.phone, code=issued.code, minutes=max(1, issued.expires_in // 60))
    return PhoneCodeOut(
        phone_masked=phone.mask_phone(issued.phone),
        expires_in=issued.expires_in,
        resend_after=settings.phone_code_resend_seconds,
    )


@router.post(
    "/me/assurance/phone-verify",
    response_model=AssuranceRaisedOut,
    responses={
        409: {"description": "Already at L2 or above"},
        422: {"description": "code_invalid, or code_expired (ask for a new one)"},
    },
)
async def verify_phone_code(request: Request, body: PhoneCodeIn, principal: CurrentPrincipal) -> AssuranceRaisedOut:
    """Check the one-time code; the account goes to L2 and a token at the new level is returned."""
    _person(principal)
    settings = _settings(request)

    def check(session: Session) -> tuple[str | None, Account]:
        account = phone.applicant_account(session, principal.sub)
        return phone.check_code(session, account=account, code=body.code, settings=settings), account

    # A wrong try is committed (it counts) before the refusal is answered.
    refusal, account = await in_unit_of_work(request, check)
    if refusal is not None:
        raise phone.refusal(refusal)
    issuer: TokenIssuer = request.app.state.token_issuer
    return AssuranceRaisedOut(
        access_token=accounts.token_for(issuer, account),
        expires_in=issuer.ttl_seconds,
        assurance_level=account.assurance_level,
    )


@router.get(
    "/dev/sms-outbox",
    responses={404: {"description": "Not the development SMS channel"}},
)
def dev_sms_outbox(
    request: Request, phone_number: Annotated[str | None, Query(alias="phone", max_length=20)] = None
) -> list[dict[str, Any]]:
    """The newest messages of the development SMS channel (only there: nothing is sent by it)."""
    channel = request.app.state.sms_channel
    if not isinstance(channel, DevSmsChannel) or _settings(request).environment == "production":
        raise NotFound("本部署没有开发用短信发件箱")
    return channel.recent(phone=phone_number)


def _persons_only(body: InPersonVerificationIn | ReclaimIn) -> None:
    if body.account_type != "person":
        raise InvalidField("account_type", "法人通过其法定代表人办理：请核验法定代表人本人", code="not_a_person")


@router.post(
    "/accounts/walk-in/verify-in-person",
    response_model=AccountOut,
    responses={
        403: {"description": "Only a window clerk or the admin"},
        404: {"description": "No account with this number (account_not_found)"},
        409: {"description": "The account carries another name (account_name_differs): reclaim it instead"},
    },
)
async def verify_in_person(request: Request, body: InPersonVerificationIn, principal: CurrentPrincipal) -> AccountOut:
    """The clerk checked the applicant's identity document (现场核验): the account goes to L3."""
    window_staff(principal)
    _persons_only(body)
    clerk = principal.username or principal.name
    account = await in_unit_of_work(request, accounts.verify_in_person, body, clerk=clerk)
    return account_out(account)


@router.post(
    "/accounts/walk-in/reclaim",
    response_model=WalkInAccountOut,
    responses={
        403: {"description": "Only a window clerk or the admin"},
        404: {"description": "No account with this number (account_not_found)"},
        422: {"description": "The name contradicts the population registry (identity_mismatch)"},
        503: {"description": "Real-name verification is unavailable; see Retry-After"},
    },
)
async def reclaim(request: Request, body: ReclaimIn, principal: CurrentPrincipal) -> WalkInAccountOut:
    """The owner of a number takes back an account someone else registered under it (document
    checked at the window): their name and phone, a new initial password, every other session ended."""
    window_staff(principal)
    _persons_only(body)
    number = accounts.login_name(body)
    await verified_source(request, id_number=number, name=body.name, purpose="窗口找回账号实名核验")
    clerk = principal.username or principal.name
    account, initial = await in_unit_of_work(request, accounts.reclaim_at_window, body, clerk=clerk)
    return WalkInAccountOut(account=account_out(account), initial_password=initial)
