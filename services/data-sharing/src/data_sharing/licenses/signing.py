"""Signing electronic licences: Ed25519 over a canonical JSON form.

Why not SM2 (over SM3), the national choice the issue prefers: the SM2 packages on PyPI were
examined in November 2026 and none is sound for signing legal documents —
- `gmssl` 3.2.2 (last release February 2023) is pure-Python big-integer arithmetic, not
  constant-time, and leaves the per-signature nonce to the caller;
- `gmssl-python` 2.2.2 is a ctypes binding that needs the GmSSL C library installed on the host,
  which none of the registries we build from ships;
- `tongsuopy` 1.0.1 (last release February 2023) bundles a native crypto core that reports itself
  as OpenSSL 1.1.1h of September 2020: end of life, with published vulnerabilities unpatched.
So licences are signed with Ed25519 from `cryptography`. Each licence records its algorithm, key id
and canonical-form version, so an SM2 signer can be added beside this one (a new `signature_alg`)
without touching the licences already issued, and retired keys keep verifying what they signed.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from data_sharing.licenses.models import License
from gov_common.keys import public_jwk

ALGORITHM = "Ed25519"
FORM_VERSION = 2


def _time(value: datetime | None) -> str | None:
    # Always in UTC: the database gives times back in UTC, whatever zone they were given in.
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _form_v1(license: License) -> dict[str, Any]:
    """The form the walking skeleton signed; kept so that those licences still verify."""
    return {
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


def _form_v2(license: License) -> dict[str, Any]:
    return {
        **_form_v1(license),
        "form_version": 2,
        "valid_from": _time(license.valid_from),
        "trust_level": license.trust_level,
        "signature_alg": license.signature_alg,
    }


_FORMS = {1: _form_v1, 2: _form_v2}


def canonical_form(license: License) -> bytes:
    """The bytes a licence's signature covers: every field that means something, sorted, compact.
    The status is not signed (it changes over the licence's life); verification reads it."""
    form = _FORMS.get(license.form_version or 1)
    if form is None:
        raise ValueError(f"unknown canonical form version {license.form_version}")
    return json.dumps(form(license), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


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
        if license.form_version is None:
            license.form_version = FORM_VERSION
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
