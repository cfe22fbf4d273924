"""Exporting a segment of the log with the signed checkpoints that cover it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_sharing.audit.canonical import GENESIS
from data_sharing.audit.chain import content
from data_sharing.audit.checkpoints import CHAIN
from data_sharing.audit.models import AuditCheckpointRecord, AuditEntry
from data_sharing.audit.schemas import AuditSegment, SegmentEntry
from gov_common.db import utcnow
from gov_common.errors import InvalidField

MAX_CHECKPOINTS = 100


def export_segment(
    session: Session,
    *,
    from_seq: int,
    to_seq: int | None,
    max_entries: int,
    newest_envelope: dict[str, Any] | None = None,
) -> AuditSegment:
    if to_seq is None:
        last = session.scalar(select(func.max(AuditEntry.seq))) or from_seq
        to_seq = max(from_seq, min(last, from_seq + max_entries - 1))
    if to_seq < from_seq:
        raise InvalidField("to_seq", "结束序号不能小于起始序号")
    if to_seq - from_seq + 1 > max_entries:
        raise InvalidField("to_seq", f"每段至多 {max_entries} 条记录，请分段导出")
    if from_seq == 1:
        prev_link: str | None = GENESIS
    else:
        prev_link = session.scalar(select(AuditEntry.link).where(AuditEntry.seq == from_seq - 1))
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.seq.between(from_seq, to_seq)).order_by(AuditEntry.seq)
    ).all()
    rows = session.scalars(
        select(AuditCheckpointRecord.envelope)
        .where(AuditCheckpointRecord.seq.between(from_seq, to_seq))
        .order_by(AuditCheckpointRecord.seq.desc(), AuditCheckpointRecord.id.desc())
        .limit(MAX_CHECKPOINTS)
    ).all()
    checkpoints: list[dict[str, Any]] = []
    seen: set[str] = set()
    stored: list[Any] = []
    for row in rows:
        try:
            stored.append(json.loads(row))
        except json.JSONDecodeError:
            continue  # not a checkpoint: the reader would refuse it anyway
    extra = [newest_envelope] if newest_envelope is not None else []
    for envelope in [*extra, *stored]:
        if not isinstance(envelope, dict) or not isinstance(envelope.get("checkpoint"), dict):
            continue
        seq, signature = envelope["checkpoint"].get("seq"), envelope.get("signature")
        if not isinstance(seq, int) or not from_seq <= seq <= to_seq or str(signature) in seen:
            continue
        seen.add(str(signature))
        checkpoints.append(envelope)
    checkpoints.sort(key=lambda e: e["checkpoint"]["seq"])
    return AuditSegment(
        chain=CHAIN,
        exported_at=utcnow(),
        from_seq=from_seq,
        to_seq=to_seq,
        prev_link=prev_link,
        entries=[SegmentEntry(seq=e.seq, content=content(e), link=e.link, hash=e.hash) for e in entries],
        checkpoints=checkpoints,
    )
