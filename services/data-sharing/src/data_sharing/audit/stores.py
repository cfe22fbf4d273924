"""Where checkpoints are written, away from the database: a JSONL file the operator archives, and a
compacted Kafka topic (through the bus; the standalone bus keeps every message). Both hold the
envelopes exactly as signed; whoever reads them checks the signature (`checkpoints.parse`)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from data_sharing.audit.checkpoints import CHAIN, Checkpoint, CheckpointError, parse, parse_line
from gov_common.bus import Bus

log = logging.getLogger("data_sharing.audit.checkpoints")

TOPIC = "gov.audit.checkpoint.v1"
# Compaction keeps the newest checkpoint of each chain (one key); short segments let it run.
TOPIC_CONFIG = {"cleanup.policy": "compact", "segment.ms": str(3_600_000), "min.cleanable.dirty.ratio": "0.1"}
_TAIL_BLOCK = 64 * 1024


@dataclass(frozen=True)
class Found:
    """The newest checkpoint a source holds, and the ones it refused (bad signature, malformed)."""

    checkpoint: Checkpoint | None
    envelope: dict[str, Any] | None
    refused: list[str]


class CheckpointFile:
    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def append(self, envelope: dict[str, Any]) -> None:
        """One line per checkpoint, flushed to disk before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(envelope, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _lines_backwards(self) -> Iterator[bytes]:
        with self.path.open("rb") as file:
            file.seek(0, os.SEEK_END)
            position, rest = file.tell(), b""
            while position > 0:
                step = min(_TAIL_BLOCK, position)
                position -= step
                file.seek(position)
                block = file.read(step) + rest
                lines = block.split(b"\n")
                rest = lines[0]
                for line in reversed(lines[1:]):
                    if line.strip():
                        yield line
            if rest.strip():
                yield rest

    def latest(self, keys: dict[str, Ed25519PublicKey]) -> Found:
        """The last line that is a valid checkpoint (the writer appends in order), reading from the end."""
        refused: list[str] = []
        if not self.path.exists():
            return Found(None, None, refused)
        for line in self._lines_backwards():
            try:
                checkpoint = parse_line(line, keys)
            except CheckpointError as exc:
                refused.append(f"{self.path}: a line was refused ({exc})")
                continue
            if checkpoint.chain != CHAIN:
                continue
            envelope: dict[str, Any] = json.loads(line)
            return Found(checkpoint, envelope, refused)
        return Found(None, None, refused)


class CheckpointTopic:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def ensure(self) -> None:
        self.bus.ensure_topics([TOPIC], config=TOPIC_CONFIG)

    def publish(self, envelope: dict[str, Any]) -> None:
        value = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.bus.publish(TOPIC, CHAIN, value, headers={"content-type": "application/json"})

    def latest(self, keys: dict[str, Ed25519PublicKey], *, timeout: float = 10.0) -> Found:
        refused: list[str] = []
        message = self.bus.latest_by_key(TOPIC, timeout=timeout).get(CHAIN)
        if message is None:
            return Found(None, None, refused)
        try:
            envelope = json.loads(message.value)
            return Found(parse(envelope, keys), envelope, refused)
        except (CheckpointError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            refused.append(f"topic {TOPIC}: the newest message was refused ({exc})")
            return Found(None, None, refused)
