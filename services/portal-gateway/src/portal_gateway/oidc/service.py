"""Sign-in through the identity provider, the gateway's side of it in the database: the logins under
way (`oidc_logins`), and the account a verified identity signs in to, raised to L3.

The provider is the authority on who a person is: an account registered under the person's number
with another name was squatted, and signing in takes it back (docs/identity.md, "L3 and the
squatting remedy"). Every function here is one unit of work with no network call inside it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.common.security import generate_token
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gov_common.auth import Assurance
from gov_common.errors import Conflict, DomainError, InvalidField
from gov_common.identity import validate_resident_id
from portal_gateway.accounts.service import take_back, unusable_password_hash
from portal_gateway.models import Account, ExternalIdentity, OidcLogin
from portal_gateway.notifications import texts

log = logging.getLogger("portal_gateway.oidc")

# A login not called back within this time is dead (the provider's own codes live shorter).
LOGIN_TTL = timedelta(minutes=10)
IDENTITY_SOURCE = "oidc"
# The inbox's `event_type` for an account taken back by its owner: the gateway's own, never on the bus.
_RETURN_TO_MAX = 300  # the column's width


class StateInvalid(DomainError):
    status, title, code = 400, "Bad Request", "oidc_state_invalid"


@dataclass(frozen=True)
class PendingLogin:
    """A login under way, as the callback needs it."""

    state: str
    code_verifier: str
    nonce: str
    return_to: str


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says signed in."""

    provider: str  # the issuer URL
    subject: str
    id_number: str
    name: str


def check_return_to(value: str) -> str:
    """A path of this site to go back to after the sign-in; never another site (an open redirect)."""
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value  # browsers read "/\\host" as "//host"
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value)
        or len(value) > _RETURN_TO_MAX
    ):
        raise InvalidField(
            "return_to",
            f"return_to 应为本站以单个“/”开头的路径（至多 {_RETURN_TO_MAX} 个字符）",
            code="return_to_invalid",
        )
    return value


def start_login(session: Session, *, return_to: str, now: datetime) -> PendingLogin:
    """A new login: its state, PKCE verifier and nonce, kept for the callback (on any replica)."""
    # Dead logins go as new ones come; the table holds at most ten minutes of them.
    session.execute(delete(OidcLogin).where(OidcLogin.created_at < now - LOGIN_TTL))
    login = OidcLogin(
        state=generate_token(43),
        # RFC 7636: 43 to 128 unreserved characters; 64 letters and digits carry 380 bits.
        code_verifier=generate_token(64),
        nonce=generate_token(43),
        return_to=check_return_to(return_to),
        created_at=now,
    )
    session.add(login)
    return PendingLogin(login.state, login.code_verifier, login.nonce, login.return_to)


def take_login(session: Session, *, state: str, now: datetime) -> PendingLogin | None:
    """The login this state names, used up: a state answers one callback only. None when it is
    unknown, already used or older than ten minutes."""
    login = session.get(OidcLogin, state)
    if login is None:
        return None
    pending = PendingLogin(login.state, login.code_verifier, login.nonce, login.return_to)
    created_at = login.created_at
    # The delete decides between two callbacks racing with the same state: one of them removes it.
    removed = session.execute(delete(OidcLogin).where(OidcLogin.state == state)).rowcount  # type: ignore[attr-defined]
    if removed != 1 or created_at < now - LOGIN_TTL:
        return None
    return pending


def _claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(name, f"统一身份认证平台的身份令牌中没有 {name!r} 声明", code="oidc_claim_missing")
    return value.strip()


def identity_from_claims(
    claims: Mapping[str, Any], *, provider: str, id_number_claim: str, name_claim: str
) -> ProviderIdentity:
    """The person the verified ID token names; 422 naming the claim that is missing or invalid."""
    id_number = validate_resident_id(_claim(claims, id_number_claim).upper(), id_number_claim)
    name = _claim(claims, name_claim)
    if len(name) > 100:  # the accounts' column
        raise InvalidField(name_claim, "姓名声明超过 100 个字符", code="oidc_claim_invalid")
    subject = str(claims["sub"])
    if len(subject) > 255:  # OpenID Connect Core 1.0, 2: at most 255 ASCII characters (the column's width)
        raise InvalidField("sub", "用户标识声明超过 255 个字符", code="oidc_claim_invalid")
    return ProviderIdentity(provider=provider, subject=subject, id_number=id_number, name=name)


def _linked_account(session: Session, identity: ProviderIdentity) -> tuple[ExternalIdentity | None, Account | None]:
    link = session.get(ExternalIdentity, (identity.provider, identity.subject))
    account = session.get(Account, link.account_id) if link is not None else None
    return link, account


def sign_in(session: Session, identity: ProviderIdentity, *, provider_name: str, now: datetime) -> Account:
    """The account the person signs in to, at L3: the one linked to their provider identity, else
    the one registered under their ID number (then linked), else a new one with no usable password.
    An account under their number in another name is taken back: the provider's name, every
    session of whoever registered it ended, its password and phone dropped, a notice in the inbox."""
    link, account = _linked_account(session, identity)
    if account is not None and account.username != identity.id_number:
        # ID numbers do not change; a provider saying otherwise is not followed blindly.
        log.error(
            "identity %s at %s is linked to account %s, but now names another ID number",
            identity.subject,
            identity.provider,
            account.id,
        )
        raise Conflict(
            "该身份已关联到另一证件号码的账户，请到服务窗口咨询",
            code="oidc_identity_conflict",
        )
    if account is None:
        account = session.scalars(select(Account).where(Account.username == identity.id_number)).first()
    if account is not None and account.account_type != "person":
        raise Conflict("该证件号码对应的账户不是自然人账户", code="oidc_identity_conflict")
    if account is None:
        account = Account(
            id=str(uuid.uuid4()),
            account_type="person",
            username=identity.id_number,
            name=identity.name,
            phone=None,
            password_hash=unusable_password_hash(),
            roles=[],
            department_code=None,
            is_demo=False,
            must_change_password=False,
            created_at=now,
        )
        session.add(account)
        log.info("account %s opened by a sign-in through %s", account.id, identity.provider)
    elif account.name != identity.name:
        _reclaim(session, account, identity, provider_name=provider_name, now=now)
    if link is None:
        link = ExternalIdentity(
            provider=identity.provider, subject=identity.subject, account_id=account.id, created_at=now
        )
        session.add(link)
    elif link.account_id != account.id:  # the account it named no longer exists
        link.account_id = account.id
    link.last_login_at = now
    account.assurance_level = Assurance.L3
    account.identity_source = IDENTITY_SOURCE
    account.assurance_raised_by = identity.provider
    account.assurance_raised_at = now
    session.flush()
    return account


def _reclaim(
    session: Session, account: Account, identity: ProviderIdentity, *, provider_name: str, now: datetime
) -> None:
    log.warning(
        "account %s taken back by its owner through %s (it was registered in another name)",
        account.id,
        identity.provider,
    )
    # Whoever registered it gave their own phone and knows its password: neither is the owner's.
    take_back(
        session,
        account,
        name=identity.name,
        phone=None,
        source=IDENTITY_SOURCE,
        by=identity.provider,
        notice=texts.account_reclaimed(by=provider_name),
    )
    account.password_hash = unusable_password_hash()
    account.must_change_password = False
