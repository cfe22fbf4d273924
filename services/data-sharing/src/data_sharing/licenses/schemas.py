from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gov_common.limits import KIB, json_within
from gov_common.params import Moment

TrustLevel = Literal["A", "B", "C", "D"]


class Verification(BaseModel):
    license_no: str
    valid: bool
    status: str
    signature_valid: bool
    license_type: str
    name: str
    holder_name: str | None
    issuer_department: str
    issued_at: datetime
    valid_from: datetime | None = None
    valid_until: datetime | None
    trust_level: str = "A"
    reason: str | None = None


class LicenseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    license_no: str
    license_type: str
    name: str
    holder_id_number: str
    holder_name: str
    holder_type: str
    issuer_department: str
    case_no: str | None
    fields: dict[str, Any]
    status: str
    status_reason: str | None
    status_changed_at: datetime | None
    issued_at: datetime
    valid_from: datetime | None
    valid_until: datetime | None
    trust_level: str
    form_version: int
    signature_alg: str
    key_id: str
    signature: str
    verification_url: str = ""


class LicenseRegisterIn(BaseModel):
    """A licence entering the library other than from a case: registered by staff (B, C) or declared
    by its holder (D)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    license_type: str = Field(max_length=64)
    holder_id_number: str = Field(max_length=18)
    holder_name: str = Field(min_length=1, max_length=100)
    holder_type: Literal["person", "entity"] = "person"
    fields: Annotated[dict[str, Any], AfterValidator(json_within(16 * KIB))] = Field(default_factory=dict)
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    trust_level: TrustLevel | None = Field(default=None, description="B or C for staff; an applicant's is D")
    issuer_department: str | None = Field(default=None, max_length=32, description="Admin only; staff: their own")


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=500)


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    license_no: str = Field(min_length=1, max_length=64)
    holder_id_number: str = Field(min_length=1, max_length=18)
    accepted_types: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=50)
    min_trust_level: TrustLevel = "A"


class CheckOut(BaseModel):
    usable: bool
    reason: str | None
    license_type: str
    trust_level: str
    status: str


class LicenseTypeField(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: str = Field(min_length=1, max_length=100)
    required: bool = True


class LicenseTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    name: str = Field(min_length=1, max_length=100)
    issuer_department: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    fields: list[LicenseTypeField] = Field(default_factory=list, max_length=100)
    validity_years: int | None = Field(default=None, ge=1, le=100)


class LicenseTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    issuer_department: str
    fields: list[LicenseTypeField]
    validity_years: int | None
