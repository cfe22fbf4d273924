"""Verifying the chain in the database: every entry against its HMAC, its link and its neighbour;
the head against its MAC; and the whole against the newest signed checkpoint, which the database
holder cannot rewrite, so that entries removed from the end (the head forged or not) are named."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_sharing.audit.chain import GENESIS, entry_hash, entry_link, head_mac
from data_sharing.audit.checkpoints import Checkpoint
from data_sharing.audit.models import AuditEntry, AuditHead
from data_sharing.audit.schemas import ChainProblem, ChainVerification, CheckpointRef


def _entries(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"


def _missing(first: int, last: int, kind: str, why: str) -> ChainProblem:
    verb = "was" if first == last else "were"
    return ChainProblem(
        seq=first,
        problem=kind,  # type: ignore[arg-type]
        first_seq=first,
        last_seq=last,
        detail=f"{_entries(first, last)} {verb} removed; {why}",
    )


def _walk(session: Session, key: bytes) -> tuple[int, list[ChainProblem]]:
    """Checks entries from the first; stops at the first break (what follows cannot be trusted)."""
    expected, prev_hash, prev_link, checked = 1, GENESIS, GENESIS, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)):
        if entry.seq != expected:
            why = f"the next entry is {entry.seq}"
            return checked, [_missing(expected, entry.seq - 1, "removed", why)]
        if entry.prev_hash != prev_hash:
            detail = f"entry {entry.seq} does not link to entry {entry.seq - 1}"
            return checked, [ChainProblem(seq=entry.seq, problem="relinked", detail=detail)]
        if entry_hash(key, entry.prev_hash, entry) != entry.hash:
            detail = f"entry {entry.seq} was changed after it was written"
            return checked, [ChainProblem(seq=entry.seq, problem="altered", detail=detail)]
        if entry_link(prev_link, entry) != entry.link:
            detail = f"entry {entry.seq}'s public link was changed after it was written"
            return checked, [ChainProblem(seq=entry.seq, problem="altered", detail=detail)]
        prev_hash, prev_link, expected, checked = entry.hash, entry.link, expected + 1, checked + 1
    return checked, []


def _head(session: Session, head: AuditHead | None, signed: bool, last_seq: int | None) -> list[ChainProblem]:
    if head is None:
        if last_seq is None:
            return []
        detail = "the signed head is missing: entries at the end may have been removed"
        return [ChainProblem(seq=last_seq, problem="head_forged", detail=detail)]
    if not signed:
        detail = f"the head (entry {head.seq}) does not carry the audit key's MAC: it was rewritten without the key"
        return [ChainProblem(seq=head.seq, problem="head_forged", detail=detail)]
    if last_seq is None or head.seq > last_seq:
        return [_missing((last_seq or 0) + 1, head.seq, "truncated", f"the signed head names entry {head.seq}")]
    if head.seq < last_seq:
        detail = (
            f"the signed head names entry {head.seq} but the chain goes on to {last_seq}: an older head was put back"
        )
        return [ChainProblem(seq=head.seq, problem="head_forged", detail=detail)]
    entry = session.get(AuditEntry, head.seq)
    if entry is not None and entry.hash != head.hash:
        detail = f"entry {head.seq} is not the entry the signed head names"
        return [ChainProblem(seq=head.seq, problem="diverged", detail=detail)]
    return []


def _against_checkpoint(session: Session, checkpoint: Checkpoint, last_seq: int | None) -> list[ChainProblem]:
    signed = f"{checkpoint.describe()} signed entry {checkpoint.seq}"
    entry = session.get(AuditEntry, checkpoint.seq)
    if entry is None:
        before = session.scalar(select(func.max(AuditEntry.seq)).where(AuditEntry.seq < checkpoint.seq)) or 0
        kind = "removed" if last_seq is not None and last_seq > checkpoint.seq else "truncated"
        return [_missing(before + 1, checkpoint.seq, kind, signed)]
    if entry.link != checkpoint.link or entry.hash != checkpoint.hash:
        detail = (
            f"entry {checkpoint.seq} is not the entry {checkpoint.describe()} signed: "
            "the log was rewritten at or before it"
        )
        return [ChainProblem(seq=checkpoint.seq, problem="diverged", detail=detail)]
    return []


def verify_chain(
    session: Session,
    *,
    key: bytes,
    checkpoint: Checkpoint | None = None,
    checkpoint_source: str = "file",
    warnings: Sequence[str] = (),
) -> ChainVerification:
    """Walk the chain from the first entry, check the signed head, and compare with `checkpoint`
    (the newest signed one, read from the file or the topic, never from the database)."""
    checked, walked = _walk(session, key)
    last_seq = session.scalar(select(func.max(AuditEntry.seq)))
    head = session.get(AuditHead, 1)
    signed = (
        head is not None and head.mac is not None and hmac.compare_digest(head.mac, head_mac(key, head.seq, head.hash))
    )
    found = _against_checkpoint(session, checkpoint, last_seq) if checkpoint is not None else []
    found += walked + _head(session, head, signed, last_seq)
    problems: list[ChainProblem] = []
    for problem in found:  # the checkpoint's wording first: it says when the removed entries were signed
        if not any((p.problem, p.first_seq, p.last_seq) == (problem.problem, problem.first_seq, problem.last_seq)
                   and p.first_seq is not None for p in problems):  # fmt: skip
            problems.append(problem)
    problems.sort(key=lambda p: p.seq)
    reference = None
    if checkpoint is not None:
        reference = CheckpointRef(
            seq=checkpoint.seq,
            count=checkpoint.count,
            at=checkpoint.at,
            key_id=checkpoint.key_id,
            source="topic" if checkpoint_source == "topic" else "file",
        )
    return ChainVerification(
        valid=not problems,
        entries_checked=checked,
        head_seq=head.seq if head is not None else None,
        head_signed=signed,
        first_invalid=problems[0] if problems else None,
        problems=problems,
        checkpoint=reference,
        warnings=list(warnings),
    )
