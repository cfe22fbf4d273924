"""The gateway's argon2 profiles (portal_gateway.passwords): standard by default and in production, the test
suite's fast one refused in production, and a hash made under either checked by the other."""

from __future__ import annotations

import pytest

from portal_gateway import passwords
from portal_gateway.settings import Settings

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql://gw@db/gw",
    "seed_demo": False,
    "sms_channel": "aliyun",
    "sms_access_key_id": "key-id",
    "sms_access_key_secret": "key-secret",
    "sms_sign_name": "示范县政务服务",
    "sms_template_code": "SMS_0001",
    "metrics_token": "a-scrape-token-of-the-test",
}


def test_the_default_is_rfc_9106s_low_memory_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(passwords.PROFILE_ENV, raising=False)
    hasher = passwords.hasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert hasher.hash("口令").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert Settings(**PRODUCTION).environment == "production"


def test_production_refuses_the_fast_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(passwords.PROFILE_ENV, "fast")
    with pytest.raises(ValueError, match="GW_PASSWORD_HASH=fast is for the test suite only"):
        Settings(**PRODUCTION)
    assert Settings(environment="test").environment == "test"  # outside production it is allowed


def test_an_unknown_profile_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(passwords.PROFILE_ENV, "none")
    with pytest.raises(ValueError, match="must be one of"):
        passwords.hasher()


def test_a_hash_made_under_one_profile_is_checked_by_the_other() -> None:
    fast, standard = passwords.PROFILES["fast"], passwords.PROFILES["standard"]
    assert standard.verify(fast.hash("示范县2024"), "示范县2024")
    assert fast.verify(standard.hash("示范县2024"), "示范县2024")
