"""Signing electronic licences: Ed25519 over a canonical JSON form.

SM2 (over SM3) is the national choice; the pure-Python gmssl package is the only SM2 library
on PyPI here and is neither constant-time nor widely reviewed, so licences are signed with
Ed25519 from `cryptography`, and the algorithm is recorded per licence so that an SM2 signer can
be added beside it without breaking the licences already issued.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from data_sharing.models import License
from gov_common.keys import public_jwk

ALGORITHM = "Ed25519"


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def canonical_form(license: License) -> bytes:
    """The bytes a licence's signature covers: every field that means something, sorted, compact."""
    document: dict[str, Any] = {
        "license_no": license.license_no,
        "license_type": license.license_type,
        "name": license.name,
        "holder": {
            "id_number": license.holder_id_number,
            "name": license.holder_name,
            "type": license.holder_type,
        },
        "issuer_department": license.issuer_department,
        "case_no": license.case_no,
        "fields": license.fields,
        "issued_at": _time(license.issued_at),
        "valid_until": _time(license.valid_until),
        "key_id": license.key_id,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class LicenseSigner:
    def __init__(self, key: Ed25519PrivateKey, retired_public_keys: list[Ed25519PublicKey] | None = None) -> None:
        self._key = key
        self.jwk = public_jwk(key.public_key())
        self.key_id = self.jwk["kid"]
        self._public: dict[str, Ed25519PublicKey] = {self.key_id: key.public_key()}
        for public in retired_public_keys or []:
            self._public[public_jwk(public)["kid"]] = public

    def sign(self, license: License) -> None:
        license.signature_alg = ALGORITHM
        license.key_id = self.key_id
        license.signature = base64.b64encode(self._key.sign(canonical_form(license))).decode("ascii")

    def signature_valid(self, license: License) -> bool:
        public = self._public.get(license.key_id)
        if public is None or license.signature_alg != ALGORITHM:
            return False
        try:
            public.verify(base64.b64decode(license.signature, validate=True), canonical_form(license))
            return True
        except (InvalidSignature, ValueError):
            return False

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k) for k in self._public.values()]}
