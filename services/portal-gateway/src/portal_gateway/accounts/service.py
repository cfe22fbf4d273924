"""Accounts: registration with validated identity numbers, password login, demo staff."""

from __future__ import annotations

import secrets
import uuid

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common.auth import Assurance, Roles, TokenIssuer, role_label
from gov_common.db import insert_unless_present, utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound, Unauthorized
from gov_common.identity import validate_resident_id, validate_uscc
from portal_gateway import passwords
from portal_gateway.accounts.schemas import (
    ApplicantIdentityIn,
    InPersonVerificationIn,
    PasswordChangeIn,
    ReclaimIn,
    RegisterIn,
    WalkInAccountIn,
    WalkInResetIn,
)
from portal_gateway.models import Account
from portal_gateway.notifications import texts
from portal_gateway.notifications.models import Notification
from portal_gateway.token_events import account_tokens_end

# The inbox's `event_type` for a reset at a window: the gateway's own, never on the bus.
PASSWORD_RESET_EVENT = "gov.account.password_reset_at_window"  # noqa: S105 - an event type, not a secret
RECLAIMED_EVENT = "gov.account.reclaimed"

_hasher = passwords.hasher()
# Verifying against this when the account does not exist keeps the answer time the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


# Letters and digits a person reads off a slip without confusing them (no 0/O, 1/l/I).
_SLIP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
INITIAL_PASSWORD_LENGTH = 12
# The one answer to a name that does not go with the number (registry or existing account alike).
IDENTITY_MISMATCH = "姓名与人口库中该证件号码登记的姓名不一致"


def _login_name(body: ApplicantIdentityIn) -> str:
    if body.account_type == "person":
        if not body.id_number:
            raise InvalidField("id_number", "自然人应使用居民身份证号码注册")
        return validate_resident_id(body.id_number, "id_number")
    if not body.uscc:
        raise InvalidField("uscc", "法人应使用统一社会信用代码注册")
    return validate_uscc(body.uscc, "uscc")


def login_name(body: ApplicantIdentityIn) -> str:
    """The validated, normalised ID number or credit code (422 naming the field otherwise)."""
    return _login_name(body)


def _create(
    session: Session,
    body: RegisterIn | WalkInAccountIn,
    *,
    password: str,
    identity_source: str | None,
    assurance_level: int = Assurance.L1,
    must_change_password: bool = False,
    created_by: str | None = None,
) -> Account:
    username = _login_name(body)
    field = "id_number" if body.account_type == "person" else "uscc"
    if session.scalars(select(Account.id).where(Account.username == username)).first() is not None:
        raise Conflict("该证件号码已注册账户，请直接登录", field=field, code="account_exists")
    now = utcnow()
    account = Account(
        id=str(uuid.uuid4()),
        account_type=body.account_type,
        username=username,
        name=body.name,
        phone=body.phone,
        password_hash=_hasher.hash(password),
        roles=[],
        department_code=None,
        is_demo=False,
        must_change_password=must_change_password,
        created_by=created_by,
        assurance_level=assurance_level,
        identity_source=identity_source,
        assurance_raised_by=created_by if assurance_level > Assurance.L1 else None,
        assurance_raised_at=now if assurance_level > Assurance.L1 else None,
    )
    session.add(account)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same number won the race
        raise Conflict("该证件号码已注册账户，请直接登录", field=field, code="account_exists") from exc
    return account


def register(session: Session, body: RegisterIn, *, identity_source: str | None) -> Account:
    """A self-registered account, at L1: its name matched the registry (`registry`), or the
    registry does not know the number (`unlisted`); the caller has asked the identity port.

    Registration is no oracle of who has an account: "already registered" (409) is said only to
    someone who gives the number with its name, the registry's or, for a number the registry does
    not know, the existing account's. Any other name gets the registry's mismatch (422) instead,
    whether or not an account exists."""
    if identity_source == "unlisted":
        existing = session.scalars(select(Account).where(Account.username == _login_name(body))).first()
        if existing is not None and existing.name.strip() != body.name.strip():
            raise InvalidField("name", IDENTITY_MISMATCH, code="identity_mismatch")
    return _create(session, body, password=body.password, identity_source=identity_source)


def unusable_password_hash() -> str:
    """The hash of a random secret nobody is told: an account that signs in through the identity
    provider only, until a window gives it a password."""
    return _hasher.hash(secrets.token_urlsafe(32))


def _initial_password() -> str:
    return "".join(secrets.choice(_SLIP_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH))


def open_at_window(session: Session, body: WalkInAccountIn, *, clerk: str) -> tuple[Account, str]:
    """Open a walk-in applicant's account with a one-time initial password for the account slip."""
    initial = _initial_password()
    # The clerk checked the identity document: the account starts at L3.
    account = _create(
        session,
        body,
        password=initial,
        identity_source="window",
        assurance_level=Assurance.L3,
        must_change_password=True,
        created_by=clerk,
    )
    return account, initial


def reset_at_window(session: Session, body: WalkInResetIn, *, clerk: str, clerk_name: str) -> tuple[Account, str]:
    """Give an applicant who forgot their password a new one-time initial password (the clerk has
    checked their identity document); the first log-in must replace it."""
    account = _applicant_account(session, body)
    initial = _initial_password()
    now = utcnow()
    account.password_hash = _hasher.hash(initial)
    account.must_change_password = True
    account.token_generation += 1  # whoever holds a token of the account is logged out
    account_tokens_end(session, account)
    account.password_reset_by, account.password_reset_at = clerk, now
    # The applicant's inbox keeps a record of it (and who did it), as it does of who read their data.
    notify(session, account, texts.password_reset(clerk=clerk_name), event_type=PASSWORD_RESET_EVENT)
    return account, initial


def _applicant_account(session: Session, body: ApplicantIdentityIn) -> Account:
    username = _login_name(body)
    account = session.scalars(
        select(Account).where(Account.username == username, Account.account_type == body.account_type)
    ).first()
    if account is None:
        field = "id_number" if body.account_type == "person" else "uscc"
        raise NotFound("没有使用该证件号码的账户", field=field, code="account_not_found")
    return account


def notify(session: Session, account: Account, text: texts.Text, *, event_type: str) -> None:
    """A notice of the gateway's own (not from an event) in the account's inbox."""
    now = utcnow()
    session.add(
        Notification(
            event_id=f"gateway:{uuid.uuid4().hex}",
            event_type=event_type,
            recipient_type=account.account_type,
            recipient_id_number=account.username,
            kind=text.kind,
            title=text.title,
            body=text.body,
            occurred_at=now,
            created_at=now,
        )
    )


def raise_assurance(account: Account, *, level: int, source: str, by: str) -> None:
    """Record a stronger proof of identity; a level is never lowered by a weaker one."""
    if level >= account.assurance_level:
        account.assurance_level = level
        account.identity_source = source
        account.assurance_raised_by, account.assurance_raised_at = by[:64], utcnow()


def verify_in_person(session: Session, body: InPersonVerificationIn, *, clerk: str) -> Account:
    """The clerk checked the applicant's identity document: the account goes to L3. The name on the
    document must be the account's; an account under another name is taken back instead (reclaim)."""
    account = _applicant_account(session, body)
    if account.name.strip() != body.name.strip():
        raise Conflict(
            "该账户以另一姓名注册：请改为为其本人找回账户",
            field="name",
            code="account_name_differs",
        )
    raise_assurance(account, level=Assurance.L3, source="window", by=clerk)
    return account


def take_back(
    session: Session, account: Account, *, name: str, phone: str | None, source: str, by: str, notice: texts.Text
) -> None:
    """The owner of the number takes back an account someone else registered under it (at a window,
    or signing in through the identity platform): their name and phone (none where unknown), every
    session of the other person ended, L3, recorded, and told in the inbox. The caller settles the
    password: whoever registered the account knows the old one."""
    account.name = name
    account.phone = phone
    account.token_generation += 1
    account_tokens_end(session, account)
    account.reclaimed_by, account.reclaimed_at = by[:64], utcnow()
    raise_assurance(account, level=Assurance.L3, source=source, by=by)
    notify(session, account, notice, event_type=RECLAIMED_EVENT)


def reclaim_at_window(session: Session, body: ReclaimIn, *, clerk: str) -> tuple[Account, str]:
    """Take back a squatted account at the window (document checked): a new one-time initial
    password for the owner's slip."""
    account = _applicant_account(session, body)
    notice = texts.account_reclaimed_at_window(clerk=clerk)
    take_back(session, account, name=body.name, phone=body.phone, source="window", by=clerk, notice=notice)
    initial = _initial_password()
    account.password_hash = _hasher.hash(initial)
    account.must_change_password = True
    return account, initial


def change_password(session: Session, body: PasswordChangeIn) -> Account:
    """Replace a password, knowing the current one (also how an initial password is replaced)."""
    account = _verify(session, username=body.username, password=body.current_password)
    if body.new_password == body.current_password:
        raise InvalidField("new_password", "新密码不能与当前密码相同", code="password_unchanged")
    account.password_hash = _hasher.hash(body.new_password)
    account.must_change_password = False
    account.token_generation += 1  # other sessions end
    account_tokens_end(session, account)
    return account


def _verify(session: Session, *, username: str, password: str) -> Account:
    account = session.scalars(select(Account).where(Account.username == username.strip().upper())).first()
    if account is None:
        account = session.scalars(select(Account).where(Account.username == username.strip())).first()
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("用户名或密码错误") from None
    if account is None:
        raise Unauthorized("用户名或密码错误")
    return account


def authenticate(session: Session, *, username: str, password: str, demo_enabled: bool) -> Account:
    account = _verify(session, username=username, password=password)
    if account.is_demo and not demo_enabled:
        raise Unauthorized("本系统已停用演示账号")
    if account.must_change_password:
        raise Forbidden(
            "首次登录前，请先修改窗口提供的初始密码",
            code="password_change_required",
        )
    return account


def token_for(issuer: TokenIssuer, account: Account) -> str:
    """An access token for an account: its roles, and for an applicant its assurance level."""
    staff = account.account_type == "staff"
    return issuer.issue(
        sub=account.id,
        account_type=account.account_type,
        name=account.name,
        id_number=account.id_number,
        roles=list(account.roles),
        department=account.department_code,
        # Staff only: an applicant's login name is their ID number, already in `idn`.
        username=account.username if staff else None,
        token_generation=account.token_generation,
        assurance_level=None if staff else account.assurance_level,
    )


# The demo's departments (service-management's seed) by their short names, for the demo staff's names.
_DEMO_DEPARTMENT_NAMES = {"amr": "县市场监管局", "psb": "县公安局", "hrss": "县人社局"}


def seed_demo_staff(session: Session, *, departments: list[str], password: str) -> None:
    """Staff accounts for the demo: admin, clerk and a reviewer per department."""
    staff: list[tuple[str, str, list[str], str | None]] = [
        ("admin", "系统管理员", [Roles.ADMIN], None),
        ("clerk", "综合窗口人员", [Roles.CLERK], None),
    ]
    # Named as an applicant reads them in a case's timeline: the department's name and the role.
    staff += [
        (f"{u}-{d}", f"{_DEMO_DEPARTMENT_NAMES.get(d, d)}{role_label(r)}", [r], d)
        for d in departments
        for u, r in [
            ("reviewer", Roles.REVIEWER),
            ("handler", Roles.HANDLER),
            ("approver", Roles.APPROVER),
            ("deptadmin", Roles.DEPARTMENT_ADMIN),
        ]
    ]
    present = set(session.scalars(select(Account.username).where(Account.username.in_([s[0] for s in staff]))))
    missing = [s for s in staff if s[0] not in present]
    if not missing:
        return
    # Hashed before anything is written (argon2 takes a while, and a write holds SQLite's one writer:
    # a second worker process starting beside this one would time out waiting for it); one hash for the
    # demo password they all share. ON CONFLICT DO NOTHING: two workers seeding at once add each account once.
    hashed = _hasher.hash(password)
    for username, name, roles, department in missing:
        insert_unless_present(
            session,
            Account,
            {
                "id": str(uuid.uuid4()),
                "account_type": "staff",
                "username": username,
                "name": name,
                "phone": None,
                "password_hash": hashed,
                "roles": roles,
                "department_code": department,
                "is_demo": True,
            },
            key=["username"],
        )
