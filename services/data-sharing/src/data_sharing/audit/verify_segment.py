"""Verify an exported segment of the audit log with nothing but the checkpoint public key.

    python -m data_sharing.audit.verify_segment segment.json --public-key audit-checkpoint.pub.pem
    python -m data_sharing.audit.verify_segment segment.json --public-key checkpoint-keys.json \\
        --checkpoint archived-checkpoints.jsonl

`--public-key` takes a PEM public (or private) key, or the JWKS of `GET /api/v1/audit/checkpoint-keys`;
`--checkpoint` adds checkpoints the party holds itself (one JSON checkpoint, or a JSONL archive).
Each entry's public link is recomputed from the previous one and its content; a checkpoint whose
signature verifies and whose link equals the recomputed link of its entry vouches for every entry
up to it. Exit status: 0 verified, 1 not verified, 2 unusable input. No database, no network.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from data_sharing.audit.canonical import public_link
from data_sharing.audit.checkpoints import CHAIN, Checkpoint, CheckpointError, key_id, parse, public_keys_from_jwks
from gov_common.keys import load_public_key

SEGMENT_FORMAT = "gov.audit.segment.v1"


class SegmentError(ValueError):
    """The segment is not one this tool can read."""


@dataclass
class SegmentReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    covered_to: int | None = None
    altered: list[int] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "covered_to": self.covered_to,
            "altered": self.altered,
            "problems": self.problems,
            "notes": self.notes,
        }


def _entries(segment: Any) -> tuple[int, int, str | None, list[dict[str, Any]]]:
    if not isinstance(segment, dict) or segment.get("format") != SEGMENT_FORMAT:
        raise SegmentError(f"not an audit segment (format {SEGMENT_FORMAT} expected)")
    from_seq, to_seq, prev_link = segment.get("from_seq"), segment.get("to_seq"), segment.get("prev_link")
    entries = segment.get("entries")
    if not isinstance(from_seq, int) or not isinstance(to_seq, int) or not isinstance(entries, list):
        raise SegmentError("from_seq, to_seq and entries are missing or malformed")
    for entry in entries:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("seq"), int)
            and isinstance(entry.get("content"), dict)
            and isinstance(entry.get("link"), str)
        ):
            raise SegmentError("an entry lacks seq, content or link")
    return from_seq, to_seq, prev_link if isinstance(prev_link, str) else None, entries


def verify_segment(
    segment: Any, keys: dict[str, Ed25519PublicKey], extra_checkpoints: Sequence[Any] = ()
) -> SegmentReport:
    report = SegmentReport()
    from_seq, to_seq, prev_link, entries = _entries(segment)
    if segment.get("chain") != CHAIN:
        report.problems.append(f"the segment is of chain {segment.get('chain')!r}, not {CHAIN!r}")

    checkpoints: list[Checkpoint] = []
    offered = [("segment", e) for e in segment.get("checkpoints") or []] + [("given", e) for e in extra_checkpoints]
    for origin, envelope in offered:
        try:
            checkpoint = parse(envelope, keys)
        except CheckpointError as exc:
            body = envelope.get("checkpoint") if isinstance(envelope, dict) else None
            seq = body.get("seq") if isinstance(body, dict) else "?"
            report.problems.append(f"a checkpoint ({origin}, entry {seq}) was refused: {exc}")
            continue
        if checkpoint.chain != CHAIN:
            report.problems.append(f"a checkpoint of chain {checkpoint.chain!r} was refused")
        elif from_seq <= checkpoint.seq <= to_seq:
            checkpoints.append(checkpoint)
        elif origin == "segment":
            report.problems.append(f"{checkpoint.describe()} (entry {checkpoint.seq}) lies outside the segment")

    # The chain recomputed from prev_link over the contents alone: what the checkpoints are compared with.
    recomputed: dict[int, str] = {}
    if prev_link is None:
        report.problems.append(f"the link before entry {from_seq} is unknown: entry {from_seq - 1} is missing")
    else:
        chain_link, stored_prev, expected = prev_link, prev_link, from_seq
        for entry in entries:
            seq, body, link = entry["seq"], entry["content"], entry["link"]
            if seq != expected:
                last = seq - 1
                missing = f"entry {expected}" if expected == last else f"entries {expected} to {last}"
                report.problems.append(f"{missing} {'is' if expected == last else 'are'} missing from the segment")
                break
            if body.get("seq") != seq:
                report.problems.append(f"entry {seq} was altered: its content names seq {body.get('seq')}")
                report.altered.append(seq)
            elif public_link(stored_prev, body) != link:
                report.problems.append(f"entry {seq} was altered: its content does not match its link")
                report.altered.append(seq)
            chain_link = public_link(chain_link, body)
            recomputed[seq] = chain_link
            stored_prev, expected = link, expected + 1
        else:
            if expected <= to_seq:
                report.notes.append(f"the segment ends at entry {expected - 1}, not {to_seq}")

    matched = 0
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        link = recomputed.get(checkpoint.seq)
        if link is None:
            report.problems.append(f"{checkpoint.describe()} signed entry {checkpoint.seq}, which the segment lacks")
        elif link != checkpoint.link:
            start = matched + 1 if matched else from_seq
            report.problems.append(
                f"the segment does not match {checkpoint.describe()}: an entry between {start} "
                f"and {checkpoint.seq} was altered or its links were recomputed"
            )
        else:
            matched = checkpoint.seq
    if matched:
        report.covered_to = matched
        if matched < to_seq and recomputed:
            last = max(recomputed)
            if last > matched:
                report.notes.append(
                    f"entries {matched + 1} to {last} follow the last checkpoint: consistent, but not yet signed"
                )
    elif not report.problems:
        report.problems.append("no valid checkpoint covers this segment; pass one with --checkpoint")
    report.notes.append("entry hashes (HMAC) need the audit key and are not checked here; links are")
    return report


def _load_keys(paths: Sequence[str]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        if text.lstrip().startswith("{"):
            keys |= public_keys_from_jwks(json.loads(text))
        else:
            public = load_public_key(path)
            keys[key_id(public)] = public
    return keys


def _load_checkpoints(paths: Sequence[str]) -> list[Any]:
    found: list[Any] = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").strip()
        try:
            found.append(json.loads(text))
        except json.JSONDecodeError:
            found += [json.loads(line) for line in text.splitlines() if line.strip()]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data_sharing.audit.verify_segment",
        description="Verify an exported audit log segment against signed checkpoints (offline).",
    )
    parser.add_argument("segment", help="the JSON of GET /api/v1/audit/export")
    parser.add_argument("--public-key", action="append", required=True, help="PEM key or checkpoint-keys JWKS")
    parser.add_argument("--checkpoint", action="append", default=[], help="a checkpoint (JSON) or an archive (JSONL)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        keys = _load_keys(args.public_key)
        extra = _load_checkpoints(args.checkpoint)
        segment = json.loads(Path(args.segment).read_text(encoding="utf-8"))
        report = verify_segment(segment, keys, extra)
    except (OSError, ValueError) as exc:  # JSONDecodeError, SegmentError and bad keys are ValueErrors
        print(f"verify_segment: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        if report.valid:
            print(f"VERIFIED: entries {segment['from_seq']} to {report.covered_to} match the signed checkpoints")
        else:
            print("NOT VERIFIED")
        for problem in report.problems:
            print(f"  problem: {problem}")
        for note in report.notes:
            print(f"  note: {note}")
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
