"""Licence signatures: the canonical form covers what a licence says, including its trust level and
period; licences signed over the walking skeleton's form still verify; forgeries do not."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from data_sharing.licenses.models import License
from data_sharing.licenses.signing import LicenseSigner, canonical_form


def _license(**overrides: object) -> License:
    values: dict[str, object] = {
        "license_no": "AMR-20261125-00000000AA",
        "license_type": "food_business_license",
        "name": "食品经营许可证",
        "holder_id_number": "11010519491231002X",
        "holder_name": "张三",
        "holder_type": "person",
        "issuer_department": "amr",
        "case_no": "202611250000000001",
        "fields": {"business_name": "张三小吃店"},
        "status": "valid",
        "issued_at": datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        "valid_from": datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        "valid_until": datetime(2031, 11, 25, 8, 0, tzinfo=UTC),
        "trust_level": "A",
    }
    values.update(overrides)
    return License(**values)


def test_the_signature_covers_trust_level_period_and_content() -> None:
    signer = LicenseSigner(Ed25519PrivateKey.generate())
    for change in (
        lambda x: setattr(x, "trust_level", "B"),
        lambda x: setattr(x, "valid_from", datetime(2026, 1, 1, tzinfo=UTC)),
        lambda x: setattr(x, "valid_until", None),
        lambda x: setattr(x, "holder_id_number", "110101198001010053"),
        lambda x: setattr(x, "fields", {"business_name": "李四饭馆"}),
        lambda x: setattr(x, "form_version", 1),
    ):
        license = _license()
        signer.sign(license)
        assert license.form_version == 2 and signer.signature_valid(license)
        change(license)
        assert not signer.signature_valid(license)


def test_the_status_is_not_signed_so_a_revoked_licence_keeps_a_valid_signature() -> None:
    signer = LicenseSigner(Ed25519PrivateKey.generate())
    license = _license()
    signer.sign(license)
    license.status = "revoked"
    assert signer.signature_valid(license)  # verification reads the status separately


def test_a_licence_signed_over_the_first_canonical_form_still_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    signer = LicenseSigner(key)
    old = _license(valid_from=None, valid_until=None, trust_level="A", form_version=1)
    old.key_id, old.signature_alg = signer.key_id, "Ed25519"
    document = {  # exactly what the walking skeleton signed
        "license_no": old.license_no,
        "license_type": old.license_type,
        "name": old.name,
        "holder": {"id_number": old.holder_id_number, "name": old.holder_name, "type": old.holder_type},
        "issuer_department": old.issuer_department,
        "case_no": old.case_no,
        "fields": old.fields,
        "issued_at": "2026-11-25T08:00:00Z",
        "valid_until": None,
        "key_id": old.key_id,
    }
    payload = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert canonical_form(old) == payload
    old.signature = base64.b64encode(key.sign(payload)).decode()
    assert signer.signature_valid(old)


def test_a_forged_licence_does_not_verify() -> None:
    ours = LicenseSigner(Ed25519PrivateKey.generate())
    forger = LicenseSigner(Ed25519PrivateKey.generate())
    license = _license()
    forger.sign(license)
    assert not ours.signature_valid(license)  # unknown key id
    license.key_id = ours.key_id  # claiming our key does not help
    assert not ours.signature_valid(license)
    license.signature_alg = "SM2"
    assert not ours.signature_valid(license)
