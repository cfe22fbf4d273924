"""Raising an account to L2: a one-time code to the phone the population registry holds.

The phone is asked afresh from the registry each time (never one the applicant typed); a code is
six digits from `secrets`, kept as an Argon2 hash, single use, dead after its lifetime or after
too many wrong tries. How often codes go out is limited per account (resend interval, hourly cap)
by the rows themselves, so every replica of the gateway sees the same.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.auth import Assurance
from gov_common.db import utcnow
from gov_common.errors import Conflict, InvalidField, NotFound, TooManyRequests
from portal_gateway import passwords
from portal_gateway.accounts.service import raise_assurance
from portal_gateway.models import Account, PhoneChallenge
from portal_gateway.settings import Settings

_hasher = passwords.hasher()


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


@dataclass(frozen=True)
class CodeIssued:
    code: str
    phone: str
    expires_in: int


def applicant_account(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("未找到该账户")
    if account.account_type != "person":
        raise Conflict(
            "短信验证码用于提升自然人账户的认证等级；法人通过其法定代表人办理",
            code="not_a_person",
        )
    if account.assurance_level >= Assurance.L2:
        raise Conflict(f"该账户已达到 L{account.assurance_level} 认证等级", code="assurance_already_reached")
    return account


def issue_code(session: Session, *, account: Account, phone: str, settings: Settings) -> CodeIssued:
    """A new code for the account, unless one went out too recently or too often (429)."""
    check_rate(session, account=account, settings=settings)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = utcnow()
    session.add(
        PhoneChallenge(
            account_id=account.id,
            phone=phone,
            code_hash=_hasher.hash(code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.phone_code_ttl_seconds),
            attempts=0,
        )
    )
    return CodeIssued(code=code, phone=phone, expires_in=settings.phone_code_ttl_seconds)


def check_rate(session: Session, *, account: Account, settings: Settings) -> None:
    """429 with Retry-After when the account's last code is too recent or its hourly cap is used."""
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    recent = session.scalars(
        select(PhoneChallenge.created_at)
        .where(PhoneChallenge.account_id == account.id, PhoneChallenge.created_at > hour_ago)
        .order_by(PhoneChallenge.created_at.desc())
    ).all()
    if recent:
        wait = recent[0] + timedelta(seconds=settings.phone_code_resend_seconds) - now
        if wait.total_seconds() > 0:
            retry = max(1, math.ceil(wait.total_seconds()))
            raise TooManyRequests(f"验证码刚刚已发送，请 {retry} 秒后再获取", retry_after=retry)
    if len(recent) >= settings.phone_code_max_per_hour:
        oldest = recent[settings.phone_code_max_per_hour - 1]
        retry = max(1, math.ceil((oldest + timedelta(hours=1) - now).total_seconds()))
        raise TooManyRequests(f"本小时内获取验证码次数过多，请 {retry} 秒后再试", retry_after=retry)


def check_code(session: Session, *, account: Account, code: str, settings: Settings) -> str | None:
    """Try the code against the account's newest live challenge. Returns the problem code to answer
    with (`code_invalid`, `code_expired`), or None when the account was raised to L2. A wrong try is
    counted in this session, so the caller commits before it answers the refusal."""
    challenge = session.scalars(
        select(PhoneChallenge)
        .where(PhoneChallenge.account_id == account.id, PhoneChallenge.used_at.is_(None))
        .order_by(PhoneChallenge.created_at.desc())
        .limit(1)
    ).first()
    now = utcnow()
    if challenge is None or challenge.expires_at <= now or challenge.attempts >= settings.phone_code_max_attempts:
        return "code_expired"
    # Counted atomically, so parallel guesses cannot share one try.
    challenge.attempts = PhoneChallenge.attempts + 1
    session.flush()
    session.refresh(challenge, attribute_names=["attempts"])
    if challenge.attempts > settings.phone_code_max_attempts:
        return "code_expired"
    try:
        _hasher.verify(challenge.code_hash, code.strip())
    except (VerificationError, InvalidHashError):
        return "code_invalid"
    challenge.used_at = now
    raise_assurance(account, level=Assurance.L2, source="phone", by="sms")
    return None


def refusal(problem_code: str) -> InvalidField:
    if problem_code == "code_expired":
        return InvalidField("code", "验证码已过期或尝试次数过多，请重新获取", code="code_expired")
    return InvalidField("code", "验证码不正确", code="code_invalid")
