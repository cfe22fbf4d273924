"""The warehouse's pseudonymous applicant key (data_sharing.warehouse.pseudonym): the same number gives
the same key under one warehouse key, a different one under another; the key reveals nothing of the
number and cannot be recomputed without the warehouse key (a plain hash of the number is not it)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from data_sharing.settings import Settings
from data_sharing.warehouse import pseudonym
from data_sharing.warehouse.pseudonym import Pseudonyms
from gov_common.contracts.events import Applicant

PERSON = "33012219920202001X"
ENTITY = "91330122MA28D0K3XN"


def test_a_keyed_pseudonym_links_one_applicant_and_hides_the_number() -> None:
    one, other = Pseudonyms(b"a" * 32), Pseudonyms(b"b" * 32)
    key = one.of(PERSON)
    assert len(key) == 32 and all(c in "0123456789abcdef" for c in key)
    assert one.of(PERSON.lower()) == one.of(f" {PERSON} ") == key  # one applicant, however written
    assert one.of("110101198001010053") != key and other.of(PERSON) != key
    # Not a hash anyone could make from a dictionary of ID numbers without the warehouse key.
    for digest in (hashlib.sha256(PERSON.encode()).hexdigest(), hashlib.blake2b(PERSON.encode()).hexdigest()):
        assert not digest.startswith(key)
    assert PERSON not in key and PERSON[6:14] not in key
    assert key == hmac.new(b"a" * 32, PERSON.encode(), hashlib.sha256).hexdigest()[:32]


def test_an_events_applicant_person_or_entity() -> None:
    p = Pseudonyms(bytes(32))
    assert p.of_applicant(Applicant(type="person", id_number=PERSON)) == p.of(PERSON)
    assert p.of_applicant(Applicant(type="entity", uscc=ENTITY, id_number=PERSON)) == p.of(ENTITY)
    assert p.of_applicant(Applicant(type="person")) is None and p.of_applicant(None) is None
    with pytest.raises(ValueError):
        Pseudonyms(b"short")


def test_the_key_comes_from_settings_or_from_the_audit_key(tmp_path: Path) -> None:
    base = {"environment": "test", "license_signing_key_path": str(tmp_path / "keys" / "license.pem")}
    derived = pseudonym.load(Settings(**base))  # type: ignore[arg-type]
    assert pseudonym.load(Settings(**base)).of(PERSON) == derived.of(PERSON)  # stable across starts
    audit_key = bytes.fromhex((tmp_path / "keys" / "audit-chain.key").read_text().strip())
    assert derived.of(PERSON) != Pseudonyms(audit_key).of(PERSON)  # derived, never the audit key itself

    own = tmp_path / "warehouse.key"
    own.write_text("11" * 32 + "\n")
    configured = pseudonym.load(Settings(**base, warehouse_key_path=str(own)))  # type: ignore[arg-type]
    assert configured.of(PERSON) == Pseudonyms(bytes([0x11] * 32)).of(PERSON) != derived.of(PERSON)
    with pytest.raises(FileNotFoundError):  # production keys are provisioned, never generated
        missing = Settings(**base, warehouse_key_path=str(tmp_path / "missing.key"))  # type: ignore[arg-type]
        pseudonym.load(missing.model_copy(update={"environment": "production"}))
