"""Shared fixtures. Integration and end-to-end tests need real PostgreSQL and Apache Kafka;
`make test` starts both (scripts/infra) and passes their addresses in GOV_TEST_PG_URL and
GOV_TEST_KAFKA_BOOTSTRAP. Outside CI a missing one skips those tests; under CI=true it fails them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests import migrated
from tests.pg_cleanup import libpq

CI = os.environ.get("CI", "").lower() == "true"
OUTPUT_DIR = Path(os.environ.get("GOV_TEST_OUTPUT", Path(__file__).resolve().parent.parent / "test-output"))


def _memory_backed_temp_root() -> str | None:
    """A RAM-backed directory for the tests' temporary files, when the machine has one with room:
    the many SQLite databases the tests create (each service on SQLite, the standalone platform)
    then commit without waiting for the disk. GOV_TEST_TMPDIR names another; empty keeps the default."""
    # Only a root for pytest's per-user directory (mode 700, owner checked) and mkdtemp's private ones.
    wanted = os.environ.get("GOV_TEST_TMPDIR", "/dev/shm")  # noqa: S108
    if not wanted or not os.path.isdir(wanted) or not os.access(wanted, os.W_OK | os.X_OK):
        return None
    if shutil.disk_usage(wanted).free < 2 * 1024**3:
        return None
    return wanted


def pytest_configure(config: pytest.Config) -> None:
    migrated.install()  # fresh SQLite databases copied from one migrated template per service (tests/migrated.py)
    # pytest's tmp_path directories (kept for the last three runs, as usual) and tempfile's, unless
    # the run names a base directory itself (--basetemp, PYTEST_DEBUG_TEMPROOT).
    if config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return
    root = _memory_backed_temp_root()
    if root:
        tempfile.tempdir = root


# The test files that take longest, first: pytest-xdist hands files to its workers in collection order (make test
# passes --no-loadscope-reorder; by default it orders them by their number of tests, which put the three
# one-test files that each take a minute, fuzz, chaos and the bench's smoke run, last, one worker running
# them while the other had nothing left). The many small files come last and even out the workers' ends.
LONGEST_FIRST = ("tests/fuzz/", "tests/chaos/", "tests/bench/", "tests/e2e/", "tests/integration/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: within a rank, the collection's order


def _required(variable: str, what: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        message = f"{what} is not available: set {variable} (make test does this)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return value


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return _required("GOV_TEST_PG_URL", "PostgreSQL")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return _required("GOV_TEST_KAFKA_BOOTSTRAP", "Apache Kafka")


@pytest.fixture(scope="session")
def kafka_sasl() -> str:
    """The test broker's SASL/PLAIN listener as `user:password@host:port`."""
    return _required("GOV_TEST_KAFKA_SASL", "Apache Kafka's SASL listener")


@pytest.fixture(scope="session")
def new_database(pg_admin_url: str) -> Iterator[Callable[[str], str]]:
    """Creates a fresh database per call and returns its SQLAlchemy URL; drops them all at the end."""
    created: list[str] = []
    run = uuid.uuid4().hex[:8]

    def create(label: str) -> str:
        name = f"t_{run}_{label}".replace("-", "_")[:56]
        if name in created:  # the same label asked for again (two platforms in one session)
            name = f"{name}_{len(created)}"
        with psycopg.connect(libpq(pg_admin_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        base = pg_admin_url.rsplit("/", 1)[0]
        return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")

    yield create
    if created:  # dropped by a process of its own: the session does not wait for it (tests/pg_cleanup.py)
        subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("pg_cleanup.py")), libpq(pg_admin_url), *created],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR
