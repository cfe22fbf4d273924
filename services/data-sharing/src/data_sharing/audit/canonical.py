"""The bytes everything in the audit log is computed over, and the keyless public link.

Kept free of the database and of the ORM: the offline verifier (`verify_segment`) imports it, and
migration 0004 computes the same links. These forms are frozen: changing one breaks every link and
every checkpoint already written; a new form needs a new version number beside this one.

- An entry's canonical bytes: its content (every recorded field, `seq` included, `at` in ISO 8601
  UTC as the database gives it back) as JSON with sorted keys, no spaces, UTF-8 (not \\u-escaped).
- Its public link: `SHA-256(prev_link ‖ canonical bytes)` in hex, where `prev_link` is the previous
  entry's link as 64 ASCII hex digits (64 zeros before the first entry). Anyone can recompute it;
  what makes it trustworthy is a checkpoint signing the link of a later entry.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64

# The fields of an entry's content, in the order the API shows them (the canonical form sorts them).
CONTENT_FIELDS = (
    "seq",
    "at",
    "actor_sub",
    "actor_kind",
    "actor_name",
    "actor_department",
    "client_id",
    "action",
    "resource",
    "fields",
    "subject",
    "purpose",
    "outcome",
    "reason",
    "request_id",
)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def public_link(prev_link: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_link.encode("ascii") + canonical_json(content)).hexdigest()
