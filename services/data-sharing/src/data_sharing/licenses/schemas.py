from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


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
    valid_until: datetime | None
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
    case_no: str
    fields: dict[str, Any]
    status: str
    issued_at: datetime
    valid_until: datetime | None
    signature_alg: str
    key_id: str
    signature: str
