"""Accounts: registration with validated identity numbers, password login, demo staff."""

from __future__ import annotations

import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common.auth import Roles
from gov_common.errors import Conflict, InvalidField, Unauthorized
from gov_common.identity import validate_resident_id, validate_uscc
from portal_gateway.accounts.schemas import RegisterIn
from portal_gateway.models import Account

_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps the answer time the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def register(session: Session, body: RegisterIn) -> Account:
    if body.account_type == "person":
        if not body.id_number:
            raise InvalidField("id_number", "a natural person registers with a resident identity number")
        username = validate_resident_id(body.id_number, "id_number")
    else:
        if not body.uscc:
            raise InvalidField("uscc", "a legal person registers with a unified social credit code")
        username = validate_uscc(body.uscc, "uscc")
    if session.scalars(select(Account.id).where(Account.username == username)).first() is not None:
        raise Conflict(
            "an account with this identity number already exists",
            field="id_number" if body.account_type == "person" else "uscc",
        )
    account = Account(
        id=str(uuid.uuid4()),
        account_type=body.account_type,
        username=username,
        name=body.name,
        phone=body.phone,
        password_hash=_hasher.hash(body.password),
        roles=[],
        department_code=None,
        is_demo=False,
    )
    session.add(account)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same number won the race
        raise Conflict("an account with this identity number already exists") from exc
    return account


def authenticate(session: Session, *, username: str, password: str, demo_enabled: bool) -> Account:
    account = session.scalars(select(Account).where(Account.username == username.strip().upper())).first()
    if account is None:
        account = session.scalars(select(Account).where(Account.username == username.strip())).first()
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong user name or password") from None
    if account is None:
        raise Unauthorized("wrong user name or password")
    if account.is_demo and not demo_enabled:
        raise Unauthorized("demo accounts are disabled on this deployment")
    return account


def seed_demo_staff(session: Session, *, departments: list[str], password: str) -> None:
    """Staff accounts for the demo: admin, clerk and a reviewer per department."""
    staff: list[tuple[str, str, list[str], str | None]] = [
        ("admin", "系统管理员", [Roles.ADMIN], None),
        ("clerk", "综合窗口人员", [Roles.CLERK], None),
    ]
    staff += [(f"reviewer-{d}", f"{d} 审批人员", [Roles.REVIEWER], d) for d in departments]
    staff += [
        (f"{u}-{d}", f"{d} {n}", [r], d)
        for d in departments
        for u, n, r in [
            ("handler", "承办人员", Roles.HANDLER),
            ("approver", "批准人员", Roles.APPROVER),
            ("deptadmin", "部门管理员", Roles.DEPARTMENT_ADMIN),
        ]
    ]
    for username, name, roles, department in staff:
        if session.scalars(select(Account.id).where(Account.username == username)).first() is None:
            session.add(
                Account(
                    id=str(uuid.uuid4()),
                    account_type="staff",
                    username=username,
                    name=name,
                    phone=None,
                    password_hash=_hasher.hash(password),
                    roles=roles,
                    department_code=department,
                    is_demo=True,
                )
            )
