"""The audit log: append-only, each entry chained to the previous one by its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_sharing.base import Base
from gov_common.db import UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"

    # Assigned by the appender (last + 1), not by the database: a gap means a removed entry.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_sub: Mapped[str] = mapped_column(String(100))
    actor_kind: Mapped[str] = mapped_column(String(16))  # person, entity, staff, client, anonymous
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(32))
    resource: Mapped[str] = mapped_column(String(64), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    purpose: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # allowed, refused
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    # SHA-256(previous link || canonical content): keyless, so that a third party can check an
    # exported segment against a signed checkpoint (audit/canonical.py).
    link: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last entry, so that removing entries from the end is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (seq, hash) with a key derived from the chain key (chain.head_mac): a head rewritten
    # by someone without the key does not verify. Empty only until the first start after 0004.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditCheckpointRecord(Base):
    """A copy of each checkpoint written, for exports. Verification never trusts this table: it
    reads the checkpoint file and topic; a row here is only as good as its signature."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    envelope: Mapped[str] = mapped_column(Text)
