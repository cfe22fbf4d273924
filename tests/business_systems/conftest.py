from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.business_systems.support import Department, Tokens, build_department


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture
def amr(tmp_path: Path, tokens: Tokens) -> Iterator[Department]:
    yield from build_department(tmp_path, tokens, code="amr")


@pytest.fixture
def psb(tmp_path: Path, tokens: Tokens) -> Iterator[Department]:
    yield from build_department(tmp_path, tokens, code="psb")
