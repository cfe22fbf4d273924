from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.platform import Platform, start_distributed, start_standalone


# The platforms are the package's (tests/e2e): each pytest-xdist worker starts them for its first test file here
# and stops them when it goes on to a file outside the package, instead of keeping them, idle, to the end of the
# session (make test hands out the end-to-end files before the many small ones: tests/conftest.py, LONGEST_FIRST).
# Idle, the distributed platform's five processes take about 14 % of a core between them, and their consumers
# keep the broker and PostgreSQL busy too.
@pytest.fixture(scope="package")
def standalone_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    platform = start_standalone(tmp_path_factory.mktemp("standalone"))
    yield platform
    platform.stop()


@pytest.fixture(scope="package")
def distributed_platform(
    tmp_path_factory: pytest.TempPathFactory, new_database: Callable[[str], str], kafka_bootstrap: str
) -> Iterator[Platform]:
    databases = {name: new_database(name) for name in ["gw", "sm", "ds", "bs_amr", "bs_psb"]}
    platform = start_distributed(tmp_path_factory.mktemp("distributed"), databases=databases, kafka=kafka_bootstrap)
    yield platform
    platform.stop()


@pytest.fixture(params=["standalone", "distributed"], scope="package")
def platform(request: pytest.FixtureRequest) -> Platform:
    """Every end-to-end test runs against both modes: the same code, only settings differ."""
    return request.getfixturevalue(f"{request.param}_platform")  # type: ignore[no-any-return]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Run all standalone tests, then all distributed ones, so each platform is up only once at a time.
    items.sort(key=lambda item: "distributed" in item.nodeid)


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path
