"""The gateway's one argon2 hasher for secrets: passwords, client secrets, one-time codes.

`standard` (the default, and the only profile production accepts) is argon2-cffi's default, RFC 9106's
low-memory profile (t=3, m=64 MiB, p=4): about 0.1-0.2 s of a core per hash or check, on purpose. The test
suite sets GW_PASSWORD_HASH=fast (t=1, m=1 MiB, p=1): it signs in thousands of times, and how hard a hash
is to guess is not what it tests. Either hasher checks a hash made by the other (argon2 keeps its
parameters in the hash), so a database seeded under one profile works under the other."""

from __future__ import annotations

import os

from argon2 import PasswordHasher

PROFILE_ENV = "GW_PASSWORD_HASH"
PROFILES = {
    "standard": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}


def profile() -> str:
    value = os.environ.get(PROFILE_ENV, "standard")
    if value not in PROFILES:
        raise ValueError(f"{PROFILE_ENV} must be one of {sorted(PROFILES)}, not {value!r}")
    return value


def hasher() -> PasswordHasher:
    """The hasher of the profile this process was started with."""
    return PROFILES[profile()]
