from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from data_sharing.licenses.signing import LicenseSigner
from data_sharing.models import License


def _license() -> License:
    return License(
        license_no="AMR-20261125-0000000001",
        license_type="business_license",
        name="营业执照",
        holder_id_number="11010519491231002X",
        holder_name="张三",
        holder_type="person",
        issuer_department="amr",
        case_no="202611250000000001",
        fields={"business_name": "张三小吃店"},
        status="valid",
        issued_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        valid_until=None,
    )


def test_a_signed_licence_verifies() -> None:
    signer = LicenseSigner(Ed25519PrivateKey.generate())
    license = _license()
    signer.sign(license)
    assert signer.signature_valid(license)


def test_any_altered_field_breaks_the_signature() -> None:
    signer = LicenseSigner(Ed25519PrivateKey.generate())
    for change in (
        lambda x: setattr(x, "holder_name", "李四"),
        lambda x: setattr(x, "fields", {"business_name": "别的店"}),
        lambda x: setattr(x, "issued_at", datetime(2026, 11, 26, tzinfo=UTC)),
        lambda x: setattr(x, "signature", x.signature[:-4] + "AAA="),
    ):
        license = _license()
        signer.sign(license)
        change(license)
        assert not signer.signature_valid(license)


def test_a_licence_signed_by_another_key_does_not_verify() -> None:
    forger = LicenseSigner(Ed25519PrivateKey.generate())
    license = _license()
    forger.sign(license)
    license.key_id = LicenseSigner(Ed25519PrivateKey.generate()).key_id
    assert not LicenseSigner(Ed25519PrivateKey.generate()).signature_valid(license)


def test_a_retired_key_still_verifies_what_it_signed() -> None:
    old = Ed25519PrivateKey.generate()
    license = _license()
    LicenseSigner(old).sign(license)
    assert LicenseSigner(Ed25519PrivateKey.generate(), [old.public_key()]).signature_valid(license)
