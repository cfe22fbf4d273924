"""The pseudonymous applicant key of the warehouse: a keyed hash (HMAC-SHA256) of the applicant's
identity number, so that the cases of one applicant can be linked ("who filed A went on to file B")
while the number itself is never kept. Without the key a dictionary of every possible ID number gives
nothing: the hash cannot be recomputed."""

from __future__ import annotations

import hashlib
import hmac

from data_sharing.audit.chain import load_or_create_key
from data_sharing.settings import Settings
from gov_common.contracts.events import Applicant, DispatchedApplicant

# Domain separation: a key derived from another secret (the audit-chain key) is never that secret.
DERIVATION = b"gov.warehouse.applicant-key.v1"
KEY_CHARS = 32  # 128 bits of the MAC, as hex


class Pseudonyms:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the warehouse key must be at least 32 bytes")
        self._key = key

    def of(self, number: str) -> str:
        normalised = number.strip().upper()
        return hmac.new(self._key, normalised.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:KEY_CHARS]

    def of_applicant(self, applicant: Applicant | DispatchedApplicant | None) -> str | None:
        """The key of an event's `applicant` (a person's ID number or an entity's USCC), or None."""
        number = applicant.number if applicant is not None else None
        if not number or not number.strip():
            return None
        return self.of(number)


def load(settings: Settings) -> Pseudonyms:
    """The warehouse key: `DS_WAREHOUSE_KEY_PATH` when set (32+ random bytes, hex or base64, as the audit
    key), otherwise derived from the audit-chain key, so that no other secret has to be provisioned."""
    create = settings.environment != "production"
    if settings.warehouse_key_path:
        return Pseudonyms(load_or_create_key(settings.warehouse_key_path, create=create))
    audit_key = load_or_create_key(settings.resolved_audit_key_path, create=create)
    return Pseudonyms(hmac.new(audit_key, DERIVATION, hashlib.sha256).digest())
