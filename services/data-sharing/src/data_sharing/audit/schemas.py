from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# What verification can find (docs/audit.md):
# - altered: an entry's content, hash or public link no longer matches (it was edited);
# - removed: a seq is missing inside the chain (first_seq..last_seq name the gap);
# - relinked: an entry's prev_hash is not the previous entry's hash;
# - truncated: entries at the end are missing, known from the signed head or from a checkpoint;
# - diverged: the entry a checkpoint (or the signed head) names exists but is not the one it signed:
#   the chain was rewritten at or before it;
# - head_forged: the head row is missing, lacks the audit key's MAC, or names an entry before the
#   chain's last one (an old head put back).
ProblemKind = Literal["altered", "removed", "relinked", "truncated", "diverged", "head_forged"]


class ChainProblem(BaseModel):
    seq: int = Field(description="The first entry concerned")
    problem: ProblemKind
    detail: str
    first_seq: int | None = Field(default=None, description="For removed and truncated: the first entry missing")
    last_seq: int | None = Field(default=None, description="For removed and truncated: the last entry missing")


class CheckpointRef(BaseModel):
    """The checkpoint verification compared the chain with."""

    seq: int
    count: int
    at: datetime
    key_id: str
    source: Literal["file", "topic"]


class ChainVerification(BaseModel):
    valid: bool
    entries_checked: int
    head_seq: int | None
    head_signed: bool = Field(description="The head row carries a valid MAC of the audit key")
    first_invalid: ChainProblem | None
    problems: list[ChainProblem] = Field(description="Every problem found, by seq")
    checkpoint: CheckpointRef | None = Field(description="The newest valid signed checkpoint found, if any")
    warnings: list[str] = Field(description="What could not be checked (a checkpoint source unreadable or refused)")


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
    link: str


class SegmentEntry(BaseModel):
    seq: int
    content: dict[str, Any] = Field(description="Exactly what the link covers (canonical JSON of it)")
    link: str
    hash: str


class AuditSegment(BaseModel):
    """A stretch of the log that a third party verifies with the checkpoint public key alone
    (`python -m data_sharing.audit.verify_segment`)."""

    format: Literal["gov.audit.segment.v1"] = "gov.audit.segment.v1"
    chain: str
    exported_at: datetime
    from_seq: int
    to_seq: int
    prev_link: str | None = Field(
        description="The link of entry from_seq - 1 (64 zeros before entry 1); null when that entry is missing"
    )
    entries: list[SegmentEntry]
    checkpoints: list[dict[str, Any]] = Field(description="Signed checkpoints with from_seq <= seq <= to_seq")


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
