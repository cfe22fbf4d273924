"""The hash chain: what an entry's hash covers, and the key that makes it unforgeable.

`hash = HMAC-SHA256(key, prev_hash || canonical JSON of the entry's content)`. Plain SHA-256 would
show accidental damage, but anyone able to edit the table could recompute every later hash; with
a key kept outside the database they cannot. Each entry also carries a keyless public `link`
(`canonical.public_link`) that signed checkpoints cover, so that a third party without the HMAC key
can verify an exported segment; and the head row (the last seq and hash) carries a MAC with the
same key, so that a head rewritten to hide removed entries is detected at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any

from data_sharing.audit.canonical import GENESIS, canonical_json, public_link
from data_sharing.audit.models import AuditEntry

__all__ = ["GENESIS", "content", "entry_hash", "entry_link", "head_mac", "load_or_create_key"]

HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+$")


def content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor_sub": entry.actor_sub,
        "actor_kind": entry.actor_kind,
        "actor_name": entry.actor_name,
        "actor_department": entry.actor_department,
        "client_id": entry.client_id,
        "action": entry.action,
        "resource": entry.resource,
        "fields": list(entry.fields),
        "subject": entry.subject,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "reason": entry.reason,
        "request_id": entry.request_id,
    }


def entry_hash(key: bytes, prev_hash: str, entry: AuditEntry) -> str:
    return hmac.new(key, prev_hash.encode("ascii") + canonical_json(content(entry)), hashlib.sha256).hexdigest()


def entry_link(prev_link: str, entry: AuditEntry) -> str:
    return public_link(prev_link, content(entry))


def head_mac(key: bytes, seq: int, hash_: str) -> str:
    """The head's MAC, with a key derived from the chain key so that it can never be mistaken for
    an entry's hash (whose input starts with 64 hex digits)."""
    head_key = hmac.new(key, b"gov.audit.head.v1", hashlib.sha256).digest()
    return hmac.new(head_key, f"{seq}:{hash_}".encode("ascii"), hashlib.sha256).hexdigest()


def load_or_create_key(path: str, *, create: bool) -> bytes:
    """At least 32 random bytes, written as hex in a file (mode 0600), as scripts/deploy/gen-keys.sh
    makes it (base64 is read too); created only outside production."""
    file = Path(path)
    if not file.exists():
        if not create:
            raise FileNotFoundError(f"audit key {path} not found; production keys are provisioned, not generated")
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
    text = file.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text) if HEX.match(text) else base64.b64decode(text, validate=True)
    except ValueError:
        raise ValueError(f"{path}: the audit key is neither hex nor base64") from None
    if len(key) < 32:
        raise ValueError(f"{path}: the audit key must be at least 32 bytes")
    return key
