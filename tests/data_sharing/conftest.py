"""Fixtures of data-sharing's tests: the service on a real database with tokens of every kind of
caller, minted by a test issuer whose keys the service trusts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from data_sharing.app import create_app, create_runtime, migrate
from data_sharing.settings import Settings
from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.service import ServiceRuntime

ISSUER, AUDIENCE = "portal-gateway", "gov-platform"

# Resident ID numbers and USCCs with correct check characters.
ZHANG_SAN = "11010519491231002X"  # in the demo population registry
QIAN = "33012219920202001X"  # in the demo population registry, household 330122
OTHER_PERSON = "110101198001010053"
ENTITY = "91330122MA28D0K3XN"  # demo entity, red-listed
BLACK_ENTITY = "92330122MA2H7R5L09"  # demo entity, black-listed


@dataclass
class Tokens:
    issuer: TokenIssuer

    def _headers(self, **claims: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(**claims)}"}  # type: ignore[arg-type]

    def person(self, id_number: str, name: str = "张三", *, level: int = 2) -> dict[str, str]:
        """An applicant's token; at L2 (phone proven) unless a test says otherwise."""
        return self._headers(
            sub=f"acct-{id_number}", account_type="person", name=name, id_number=id_number, roles=[],
            department=None, assurance_level=level,
        )  # fmt: skip

    def entity(self, uscc: str, name: str = "某公司", *, level: int = 2) -> dict[str, str]:
        return self._headers(
            sub=f"acct-{uscc}", account_type="entity", name=name, id_number=uscc, roles=[], department=None,
            assurance_level=level,
        )  # fmt: skip

    def staff(self, *roles: str, department: str | None = None, name: str = "工作人员") -> dict[str, str]:
        return self._headers(
            sub=f"staff-{name}", account_type="staff", name=name, id_number=None, roles=list(roles),
            department=department,
        )  # fmt: skip

    def admin(self) -> dict[str, str]:
        return self.staff("admin", name="系统管理员")

    def client(self, client_id: str, *roles: str, name: str | None = None) -> dict[str, str]:
        return self._headers(
            sub=f"client:{client_id}", account_type="client", name=name or client_id, id_number=None,
            roles=list(roles), department=None, client_id=client_id,
        )  # fmt: skip


@pytest.fixture(scope="session")
def tokens() -> Tokens:
    return Tokens(TokenIssuer(Ed25519PrivateKey.generate(), issuer=ISSUER, audience=AUDIENCE))


@dataclass
class DataSharing:
    client: TestClient
    runtime: ServiceRuntime
    settings: Settings


def ds_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "bus": "local",
        "local_bus_path": str(tmp_path / "bus.db"),
        "license_signing_key_path": str(tmp_path / "keys" / "license.pem"),
        "seed_demo": True,
        "run_worker": False,
        "public_base_url": "https://gov.example.cn",
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def start_ds(tokens: Tokens, tmp_path: Path) -> Iterator[Callable[..., DataSharing]]:
    """Starts data-sharing on the given database (migrated, demo data seeded)."""
    clients: list[TestClient] = []

    def start(database_url: str, **overrides: object) -> DataSharing:
        settings = ds_settings(database_url, tmp_path, **overrides)
        migrate(settings)
        verifier = TokenVerifier(tokens.issuer.jwks, issuer=ISSUER, audience=AUDIENCE)
        runtime = create_runtime(settings, verifier=verifier)
        client = TestClient(create_app(runtime=runtime))
        client.__enter__()
        clients.append(client)
        return DataSharing(client=client, runtime=runtime, settings=settings)

    yield start
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def pg_ds(start_ds: Callable[..., DataSharing], new_database: Callable[[str], str]) -> DataSharing:
    """data-sharing on its own fresh PostgreSQL database."""
    return start_ds(new_database(f"ds_{uuid.uuid4().hex[:6]}"))


@pytest.fixture
def sqlite_ds(start_ds: Callable[..., DataSharing], tmp_path: Path) -> DataSharing:
    return start_ds(f"sqlite:///{tmp_path / 'ds.db'}")
