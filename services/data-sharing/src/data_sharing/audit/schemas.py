from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ChainProblem(BaseModel):
    seq: int
    problem: str  # altered, removed, relinked
    detail: str


class ChainVerification(BaseModel):
    valid: bool
    entries_checked: int
    head_seq: int | None
    first_invalid: ChainProblem | None


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor_sub: str
    actor_kind: str
    actor_name: str
    actor_department: str | None
    client_id: str | None
    action: str
    resource: str
    fields: list[str]
    subject: str | None
    purpose: str
    outcome: str
    reason: str | None
    request_id: str | None
    prev_hash: str
    hash: str


class Reader(BaseModel):
    kind: str
    name: str
    department: str | None
    client_id: str | None


class DataAccessOut(BaseModel):
    """One read of a person's data, as that person sees it."""

    at: datetime
    reader: Reader
    resource: str
    fields: list[str]
    purpose: str
    outcome: str
