"""The staff second factor (docs/identity.md): a time-based one-time code (TOTP, RFC 6238, six
digits every 30 seconds, by `pyotp`) besides the password.

A staff member enrols with their password and gets a secret for their authenticator app; the
enrolment holds once they confirm it with a first code. From then on, and for every staff log-in
when `GW_STAFF_TOTP_REQUIRED` (on by default in production), the password grant wants the form
field `totp`. Codes of the step before and after the current one are accepted (clocks drift), and
a code is accepted only for a later step than the last one accepted, so an overheard code cannot be
used again. The admin resets a lost second factor, which also ends the account's sessions.

Every password check goes through the failed-log-in throttle. A wrong code is a failed log-in too,
written down under the name with a `totp:` mark: only a right code clears those, never a right
password alone (a password change or an enrolment attempt would otherwise reset the count of wrong
codes, and codes could be guessed on without end). A missing code counts as nothing: it is the
first step of every log-in with a second factor.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Annotated

import pyotp
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gov_common.auth import CurrentPrincipal, Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import Conflict, DomainError, Forbidden, NotFound
from gov_common.service import DbSession
from portal_gateway.accounts import devices, service
from portal_gateway.accounts.throttle import LoginThrottle
from portal_gateway.models import Account
from portal_gateway.ratelimit import client_address
from portal_gateway.settings import Settings
from portal_gateway.token_events import account_tokens_end

log = logging.getLogger("portal_gateway.accounts.totp")

STEP_SECONDS = 30
# Steps either side of the current one whose codes are accepted.
VALID_WINDOW = 1

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class TotpRequired(DomainError):
    """A staff log-in without its code. A 401, but not an `Unauthorized`: `LoginThrottle.attempt`
    neither counts it nor, as for a completed log-in, clears the name's failures."""

    status, title, code = 401, "Unauthorized", "totp_required"


class TotpInvalid(DomainError):
    """A wrong or used code; counted by `_accept_guarded` under the name's `totp:` subject, and not an
    `Unauthorized` either, so that the password check around it does not count it a second time."""

    status, title, code = 401, "Unauthorized", "totp_invalid"


class StaffCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, description="The staff user name")
    password: str = Field(min_length=1, max_length=128)


class TotpConfirmIn(StaffCredentials):
    code: str = Field(pattern=r"^\d{6}$", description="The six digits the authenticator app shows now")


class TotpEnrolmentOut(BaseModel):
    secret: str = Field(description="Base32, for typing into the authenticator app")
    otpauth_uri: str = Field(description="otpauth://totp/... for a QR code")


def required_for_staff(request: Request) -> bool:
    settings: Settings = request.app.state.runtime.settings
    return settings.totp_required_for_staff


def check_second_factor(
    session: Session, account: Account, *, code: str | None, required: bool, throttle: LoginThrottle, address: str
) -> None:
    """The password grant's second step, after the password has been verified: nothing for
    applicants and for staff without a confirmed second factor unless it is required."""
    if account.account_type != "staff":
        return
    if account.totp_confirmed_at is None or account.totp_secret is None:
        if required:
            raise Forbidden(
                "工作人员登录需要第二重验证：请先绑定身份验证器应用（POST /auth/totp/enrol）",
                code="totp_enrolment_required",
            )
        return
    if not code:
        raise TotpRequired("请输入身份验证器应用中的动态验证码（表单字段 totp）", field="totp")
    _accept_guarded(session, account, code.replace(" ", ""), throttle=throttle, address=address, field="totp")


def _accept_guarded(
    session: Session, account: Account, code: str, *, throttle: LoginThrottle, address: str, field: str
) -> None:
    subject = "totp:" + LoginThrottle.subject(account.username)
    throttle.check_code(session, subject=subject, address=address)
    try:
        _accept(session, account, code, field=field)
    except TotpInvalid:
        # The request fails: its transaction ends now, so that the failure, written in a transaction
        # of its own, does not wait for a write lock it may hold (SQLite has one writer at a time).
        session.rollback()
        throttle.failed(subject=subject, address=address)
        raise
    throttle.clear(session, subject=subject)


def _accept(session: Session, account: Account, code: str, *, field: str) -> None:
    """Accepts a code of a step near now and later than the last one accepted, once (401 otherwise)."""
    assert account.totp_secret is not None
    totp = pyotp.TOTP(account.totp_secret, interval=STEP_SECONDS)
    now = int(time.time()) // STEP_SECONDS
    last = account.totp_last_step if account.totp_last_step is not None else -1
    matching = [
        step
        for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1)
        if step > last and hmac.compare_digest(totp.generate_otp(step), code)
    ]
    if not matching:
        raise TotpInvalid("动态验证码错误或已使用", field=field)
    step = max(matching)
    # Conditional, so that two log-ins racing with one code cannot both pass: the second waits for
    # the first's row lock (PostgreSQL) or write lock (SQLite) and then no longer matches.
    taken = session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise TotpInvalid("动态验证码错误或已使用", field=field)
    set_committed_value(account, "totp_last_step", step)  # written already, by the update above


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _staff(account: Account) -> Account:
    if account.account_type != "staff":
        raise Forbidden("仅工作人员账户设置第二重验证", code="totp_staff_only")
    return account


@router.post(
    "/auth/totp/enrol",
    response_model=TotpEnrolmentOut,
    responses={
        401: {"description": "Wrong user name or password"},
        403: {"description": "Not a staff account (code totp_staff_only)"},
        409: {"description": "The second factor is already enrolled and confirmed (code totp_already_enrolled)"},
        429: {"description": "Too many failed log-ins for this name or address; see Retry-After"},
    },
)
def enrol(request: Request, body: StaffCredentials, session: DbSession) -> TotpEnrolmentOut:
    """Start enrolling a staff account's second factor: a new secret for the authenticator app
    (again on a second call until confirmed)."""
    with devices.guarded_attempt(request, session, name=body.username):
        account = service.authenticate(
            session, username=body.username, password=body.password, demo_enabled=_demo_enabled(request)
        )
    _staff(account)
    if account.totp_confirmed_at is not None:
        raise Conflict("第二重验证已设置；遗失时由系统管理员重置", code="totp_already_enrolled")
    account.totp_secret = pyotp.random_base32()
    account.totp_last_step = None
    settings: Settings = request.app.state.runtime.settings
    uri = pyotp.TOTP(account.totp_secret, interval=STEP_SECONDS).provisioning_uri(
        name=account.username, issuer_name=settings.staff_totp_issuer
    )
    return TotpEnrolmentOut(secret=account.totp_secret, otpauth_uri=uri)


@router.post(
    "/auth/totp/confirm",
    status_code=204,
    response_class=Response,
    responses={
        401: {"description": "Wrong user name, password or code (code totp_invalid)"},
        403: {"description": "Not a staff account (code totp_staff_only)"},
        409: {
            "description": "Nothing to confirm (code totp_not_enrolled) or already confirmed (totp_already_enrolled)"
        },
        422: {"description": "The code is not six digits (field code)"},
        429: {"description": "Too many failed log-ins for this name or address; see Retry-After"},
    },
)
def confirm(request: Request, body: TotpConfirmIn, session: DbSession) -> Response:
    """Confirm the enrolment with the first code the authenticator app shows; from then on the
    password grant wants a code. A wrong code counts as a failed log-in."""
    with devices.guarded_attempt(request, session, name=body.username):
        account = service.authenticate(
            session, username=body.username, password=body.password, demo_enabled=_demo_enabled(request)
        )
    _staff(account)
    if account.totp_confirmed_at is not None:
        raise Conflict("第二重验证已设置", code="totp_already_enrolled")
    if account.totp_secret is None:
        raise Conflict("请先绑定身份验证器（POST /auth/totp/enrol）", code="totp_not_enrolled")
    _accept_guarded(
        session, account, body.code, throttle=_throttle(request), address=client_address(request), field="code"
    )
    account.totp_confirmed_at = utcnow()
    return Response(status_code=204)


def _admin(principal: CurrentPrincipal) -> Principal:
    if principal.account_type != "staff" or not principal.has_role(Roles.ADMIN):
        raise Forbidden("仅系统管理员可以重置工作人员的第二重验证")
    return principal


@router.post(
    "/staff/{username}/totp/reset",
    status_code=204,
    response_class=Response,
    responses={
        401: {"description": "No valid bearer token"},
        403: {"description": "Only the admin"},
        404: {"description": "No staff account of this name (code account_not_found)"},
    },
)
def reset(username: str, admin: Annotated[Principal, Depends(_admin)], session: DbSession) -> Response:
    """Reset a staff member's lost second factor (admin): they enrol again at their next log-in,
    and their sessions end."""
    account = session.scalars(
        select(Account).where(Account.username == username, Account.account_type == "staff")
    ).first()
    if account is None:
        raise NotFound("没有此用户名的工作人员账户", field="username", code="account_not_found")
    account.totp_secret = None
    account.totp_confirmed_at = None
    account.totp_last_step = None
    account.token_generation += 1
    account_tokens_end(session, account)
    log.info("second factor of %s reset by %s", account.username, admin.username or admin.name)
    return Response(status_code=204)


def _demo_enabled(request: Request) -> bool:
    return bool(request.app.state.runtime.settings.seed_demo)
