"""Signed checkpoints of the audit chain: what they say, how they are signed and verified.

A checkpoint is one JSON object (one line of the checkpoint file, one message of the topic):

    {"checkpoint": {"format": "gov.audit.checkpoint.v1", "chain": "data-sharing/audit-log",
                    "seq": 9, "count": 9, "hash": "<HMAC of entry 9>", "link": "<public link of entry 9>",
                    "at": "2026-11-20T02:00:00.123456Z", "key_id": "<RFC 7638 thumbprint>"},
     "alg": "EdDSA", "signature": "<base64url Ed25519 signature of the canonical JSON of checkpoint>"}

The signature covers the canonical JSON (`canonical.canonical_json`) of the `checkpoint` object.
The private key never reaches the database, so whoever holds the database cannot write one.
This module needs no database: the offline verifier uses it with nothing but public keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from data_sharing.audit.canonical import canonical_json
from gov_common.keys import b64url, public_jwk

FORMAT = "gov.audit.checkpoint.v1"
CHAIN = "data-sharing/audit-log"
ALG = "EdDSA"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CheckpointError(ValueError):
    """A checkpoint that is malformed, signed by an unknown key, or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    count: int
    hash: str
    link: str
    at: datetime
    key_id: str
    chain: str = CHAIN

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "chain": self.chain,
            "seq": self.seq,
            "count": self.count,
            "hash": self.hash,
            "link": self.link,
            "at": format_time(self.at),
            "key_id": self.key_id,
        }

    def describe(self) -> str:
        return f"the checkpoint of {format_time(self.at)}"


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(key: Ed25519PublicKey) -> str:
    return public_jwk(key)["kid"]


class CheckpointSigner:
    """Signs with the current checkpoint key; knows retired keys' public halves for verification."""

    def __init__(self, key: Ed25519PrivateKey, retired: list[Ed25519PublicKey] | None = None) -> None:
        self._key = key
        self.key_id = key_id(key.public_key())
        self.public_keys: dict[str, Ed25519PublicKey] = {self.key_id: key.public_key()}
        for public in retired or []:
            self.public_keys.setdefault(key_id(public), public)

    def sign(self, *, seq: int, hash_: str, link: str, at: datetime) -> dict[str, Any]:
        checkpoint = Checkpoint(seq=seq, count=seq, hash=hash_, link=link, at=at, key_id=self.key_id)
        body = checkpoint.body()
        return {"checkpoint": body, "alg": ALG, "signature": b64url(self._key.sign(canonical_json(body)))}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k) for k in self.public_keys.values()]}


def parse(envelope: Any, keys: dict[str, Ed25519PublicKey]) -> Checkpoint:
    """The checkpoint an envelope carries, once its form and signature are checked against `keys`."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("checkpoint"), dict):
        raise CheckpointError("not a checkpoint: no `checkpoint` object")
    body: dict[str, Any] = envelope["checkpoint"]
    if envelope.get("alg") != ALG:
        raise CheckpointError(f"unsupported signature algorithm {envelope.get('alg')!r}")
    if body.get("format") != FORMAT:
        raise CheckpointError(f"unknown checkpoint format {body.get('format')!r}")
    kid = body.get("key_id")
    public = keys.get(kid) if isinstance(kid, str) else None
    if public is None or not isinstance(kid, str):
        raise CheckpointError(f"signed by key {kid!r}, which is not one of the checkpoint keys given")
    signature = envelope.get("signature")
    try:
        raw = _b64url_decode(signature) if isinstance(signature, str) else b""
        public.verify(raw, canonical_json(body))
    except (InvalidSignature, binascii.Error, ValueError):
        raise CheckpointError("the signature does not verify: the checkpoint was altered or forged") from None
    seq, count = body.get("seq"), body.get("count")
    hash_, link, at, chain = body.get("hash"), body.get("link"), body.get("at"), body.get("chain")
    if not (isinstance(seq, int) and seq >= 1 and isinstance(count, int) and isinstance(chain, str)):
        raise CheckpointError("seq, count and chain are missing or malformed")
    if not (isinstance(hash_, str) and _HEX64.match(hash_) and isinstance(link, str) and _HEX64.match(link)):
        raise CheckpointError("hash and link must be 64 lowercase hex digits")
    try:
        when = datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise CheckpointError("`at` is not an ISO 8601 time with its zone")
    return Checkpoint(seq=seq, count=count, hash=hash_, link=link, at=when, key_id=kid, chain=chain)


def parse_line(line: str | bytes, keys: dict[str, Ed25519PublicKey]) -> Checkpoint:
    try:
        envelope = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError("not JSON") from None
    return parse(envelope, keys)


def public_keys_from_jwks(jwks: Any) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWKS (`GET /api/v1/audit/checkpoint-keys`), by their thumbprint."""
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            public = Ed25519PublicKey.from_public_bytes(_b64url_decode(str(jwk.get("x", ""))))
            # The thumbprint is recomputed, not taken from the JWKS: a key cannot claim another's id.
            keys[key_id(public)] = public
    return keys
