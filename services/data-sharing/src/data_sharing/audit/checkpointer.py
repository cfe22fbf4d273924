"""The worker's periodic task: sign a checkpoint of the chain and write it where the database holder
cannot rewrite it (the compacted topic and the operator's file), with a copy in the database for
exports. One replica writes at a time (a PostgreSQL advisory lock, held across the publish but never
inside a transaction); a checkpoint is written only when the chain advanced and only if the new
entries extend the last checkpoint, so that a checkpoint never blesses a rewritten log."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, text

from data_sharing.audit.chain import GENESIS, entry_hash, entry_link
from data_sharing.audit.checkpoints import Checkpoint, CheckpointError, CheckpointSigner, parse
from data_sharing.audit.models import AuditCheckpointRecord, AuditEntry
from data_sharing.audit.stores import CheckpointFile, CheckpointTopic
from gov_common.db import Database, utcnow

log = logging.getLogger("data_sharing.audit.checkpoints")
_WRITER_LOCK = 4_242_002  # any constant, the same in every replica (the append lock is 4_242_001)
_MAX_PENDING = 100  # checkpoints kept for a destination that keeps failing; the newest matter most


@dataclass
class Newest:
    checkpoint: Checkpoint | None = None
    source: str = "file"
    envelope: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


class CheckpointSources:
    """The places checkpoints are read back from for verification: the file and the topic."""

    def __init__(
        self, *, keys: dict[str, Ed25519PublicKey], file: CheckpointFile | None, topic: CheckpointTopic | None
    ) -> None:
        self.keys = keys
        self.file = file
        self.topic = topic

    def newest(self, *, timeout: float = 5.0) -> Newest:
        found: list[tuple[Checkpoint, str, dict[str, Any]]] = []
        warnings: list[str] = []
        if self.file is not None:
            try:
                result = self.file.latest(self.keys)
            except OSError as exc:
                warnings.append(f"the checkpoint file {self.file.path} could not be read: {exc.strerror or exc}")
            else:
                warnings += result.refused
                if result.checkpoint is not None and result.envelope is not None:
                    found.append((result.checkpoint, "file", result.envelope))
        if self.topic is not None:
            try:
                result = self.topic.latest(self.keys, timeout=timeout)
            except Exception as exc:  # the broker down or slow: verify what can be verified, and say so
                log.warning("the checkpoint topic could not be read: %s", exc)
                warnings.append(f"the checkpoint topic could not be read ({type(exc).__name__})")
            else:
                warnings += result.refused
                if result.checkpoint is not None and result.envelope is not None:
                    found.append((result.checkpoint, "topic", result.envelope))
        if not found:
            warnings.append(
                "no signed checkpoint was found in the checkpoint file or topic: "
                "entries removed from the end are detected by the signed head only"
            )
            return Newest(warnings=warnings)
        # The newest by time: one writer at a time signs in order; after a rebase the rebased one counts.
        checkpoint, source, envelope = max(found, key=lambda f: (f[0].at, f[0].seq))
        return Newest(checkpoint=checkpoint, source=source, envelope=envelope, warnings=warnings)


@dataclass(frozen=True)
class _Tip:
    seq: int
    hash: str
    link: str


class AuditCheckpointer:
    def __init__(
        self,
        db: Database,
        *,
        key: bytes,
        signer: CheckpointSigner,
        sources: CheckpointSources,
        interval_seconds: float,
        rebase: bool = False,
    ) -> None:
        self._db = db
        self._key = key
        self._signer = signer
        self._sources = sources
        self._interval = interval_seconds
        self._rebase = rebase  # sign the chain as it is once, whatever was signed before (a restore)
        self._last: Checkpoint | None = None
        self._read_sources = False
        self._pending: list[tuple[dict[str, Any], set[str]]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def checkpoint_once(self) -> Checkpoint | None:
        """Write a checkpoint if the chain advanced since the last one; the checkpoint, or None."""
        with self._lock, self._writer() as writer:
            if not writer:
                return None  # another replica is writing
            self._publish_pending()
            last = self._newest_known()
            if self._rebase:
                tip = self._verified_tip(None)
                if tip is not None:
                    log.warning("rebasing the audit checkpoints on the chain as it is (entry %d)", tip.seq)
                    self._rebase = False
            else:
                tip = self._verified_tip(last)
                if tip is not None and last is not None and tip.seq <= last.seq:
                    return None
            if tip is None:
                return None
            envelope = self._signer.sign(seq=tip.seq, hash_=tip.hash, link=tip.link, at=utcnow())
            checkpoint = parse(envelope, self._signer.public_keys)
            with self._db.session() as session:
                session.add(
                    AuditCheckpointRecord(
                        seq=checkpoint.seq,
                        at=checkpoint.at,
                        key_id=checkpoint.key_id,
                        envelope=json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
                    )
                )
            self._last = checkpoint
            destinations = {"file"} if self._sources.file is not None else set()
            if self._sources.topic is not None:
                destinations.add("topic")
            self._pending.append((envelope, destinations))
            self._publish_pending()
            log.info("audit checkpoint written: entry %d", checkpoint.seq)
            return checkpoint

    @contextmanager
    def _writer(self) -> Iterator[bool]:
        engine = self._db.engine
        if engine.dialect.name != "postgresql":
            yield True  # SQLite: one process, and the process lock above
            return
        with engine.connect() as connection:
            # A session-level lock in autocommit: it spans the publish without an open transaction.
            connection.execution_options(isolation_level="AUTOCOMMIT")
            held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _WRITER_LOCK}))
            try:
                yield held
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _WRITER_LOCK})

    def _publish_pending(self) -> None:
        for envelope, destinations in self._pending:
            if "topic" in destinations and self._sources.topic is not None:
                try:
                    self._sources.topic.publish(envelope)
                    destinations.discard("topic")
                except Exception:
                    log.exception("an audit checkpoint could not be published; will retry")
            if "file" in destinations and self._sources.file is not None:
                try:
                    self._sources.file.append(envelope)
                    destinations.discard("file")
                except OSError:
                    log.exception("an audit checkpoint could not be written to %s; will retry", self._sources.file.path)
        self._pending = [(e, d) for e, d in self._pending if d]
        if len(self._pending) > _MAX_PENDING:
            log.error("dropping %d unpublished audit checkpoints", len(self._pending) - _MAX_PENDING)
            self._pending = self._pending[-_MAX_PENDING:]

    def _newest_known(self) -> Checkpoint | None:
        """The newest valid checkpoint: this process's own, the database's copies (another replica's),
        and at the first run the file and the topic (so a restart cannot forget what was signed)."""
        candidates = [c for c in [self._last] if c is not None]
        if not self._read_sources:
            newest = self._sources.newest()
            if newest.checkpoint is not None:
                candidates.append(newest.checkpoint)
            self._read_sources = True
        with self._db.session() as session:
            rows = session.scalars(
                select(AuditCheckpointRecord.envelope).order_by(AuditCheckpointRecord.id.desc()).limit(5)
            ).all()
        for row in rows:
            try:
                candidates.append(parse(json.loads(row), self._signer.public_keys))
                break
            except (CheckpointError, json.JSONDecodeError):
                log.warning("a checkpoint copy in the database does not verify; ignored")
        return max(candidates, key=lambda c: (c.at, c.seq), default=None)

    def _verified_tip(self, last: Checkpoint | None) -> _Tip | None:
        """The last entry up to which the chain extends `last` soundly (HMACs, links, no gaps)."""
        with self._db.session() as session:
            prev_hash, prev_link, expected = GENESIS, GENESIS, 1
            if last is not None:
                anchor = session.get(AuditEntry, last.seq)
                if anchor is None or anchor.hash != last.hash or anchor.link != last.link:
                    log.error(
                        "the audit log no longer holds entry %d as %s signed it: no checkpoint is written "
                        "until this is resolved (GET /api/v1/audit/verify names what changed)",
                        last.seq,
                        last.describe(),
                    )
                    return None
                prev_hash, prev_link, expected = last.hash, last.link, last.seq + 1
            tip = _Tip(last.seq, last.hash, last.link) if last is not None else None
            query = select(AuditEntry).where(AuditEntry.seq >= expected).order_by(AuditEntry.seq)
            for entry in session.scalars(query.execution_options(yield_per=500)):
                if (
                    entry.seq != expected
                    or entry.prev_hash != prev_hash
                    or entry_hash(self._key, prev_hash, entry) != entry.hash
                    or entry_link(prev_link, entry) != entry.link
                ):
                    log.error("audit entry %d does not extend the chain; checkpointing stops before it", expected)
                    break
                tip = _Tip(entry.seq, entry.hash, entry.link)
                prev_hash, prev_link, expected = entry.hash, entry.link, expected + 1
            return tip

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.checkpoint_once()
            except Exception:
                log.exception("audit checkpoint failed; will retry")

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="data-sharing-audit-checkpointer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the timer and writes a last checkpoint, so that a stopped platform is covered whole."""
        self._stop.set()
        if self._thread is None:
            return  # never started: not the process that writes checkpoints
        self._thread.join(timeout=10)
        self._thread = None
        try:
            self.checkpoint_once()
        except Exception:
            log.exception("the shutdown audit checkpoint failed")
