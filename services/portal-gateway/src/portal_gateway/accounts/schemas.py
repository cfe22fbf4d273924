from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ApplicantIdentityIn(BaseModel):
    """A natural person by resident ID number or a legal person by unified social credit code."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_type: Literal["person", "entity"]
    id_number: str | None = Field(default=None, description="Resident ID number (person)", max_length=18)
    uscc: str | None = Field(default=None, description="Unified social credit code (entity)", max_length=18)


class WalkInResetIn(ApplicantIdentityIn):
    """Whose password a window clerk resets, after checking their identity document in person."""


class InPersonVerificationIn(ApplicantIdentityIn):
    """An applicant whose identity document a window clerk checked (raises the account to L3)."""

    name: str = Field(min_length=1, max_length=100, description="The name on the identity document")


class WalkInAccountIn(ApplicantIdentityIn):
    """An account a window clerk opens for a walk-in applicant (窗口代为注册): no password given."""

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(pattern=r"^1[3-9]\d{9}$", description="Mainland mobile number")


class ReclaimIn(WalkInAccountIn):
    """The owner of a number taking back, at a window, an account someone else registered under it:
    the name and phone from their identity document and themselves."""


class RegisterIn(WalkInAccountIn):
    """Registration by the applicant, with the password they choose."""

    password: str = Field(min_length=8, max_length=128)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, description="ID number, credit code or staff user name")
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=8, max_length=128)


class AccountOut(BaseModel):
    id: str
    account_type: str
    username: str
    name: str
    phone: str | None
    roles: list[str]
    department_code: str | None
    # Applicants: L1, L2 or L3 (docs/identity.md) and how it was established; None for staff.
    assurance_level: int | None = None
    identity_source: str | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class WalkInAccountOut(BaseModel):
    account: AccountOut
    initial_password: str = Field(description="Shown once; to be replaced at the first log-in")
    must_change_password: bool = True


class PhoneCodeOut(BaseModel):
    phone_masked: str = Field(description="The registry's phone the code went to, masked")
    expires_in: int
    resend_after: int


class PhoneCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=12)


class AssuranceRaisedOut(TokenOut):
    assurance_level: int
