"""SQLite's `synchronous` for the files of a process (GOV_SQLITE_SYNCHRONOUS): FULL by default (a commit waits
for the disk), NORMAL on request (WAL: a power cut may lose the last commits, never corrupts), nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from gov_common.db import SQLITE_SYNCHRONOUS_ENV, Database

_LEVELS = {1: "NORMAL", 2: "FULL"}


def _level(tmp_path: Path) -> str:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with db.engine.connect() as connection:
            return _LEVELS[int(connection.execute(text("PRAGMA synchronous")).scalar_one())]
    finally:
        db.dispose()


def test_full_by_default_and_normal_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SQLITE_SYNCHRONOUS_ENV, raising=False)
    assert _level(tmp_path) == "FULL"
    monkeypatch.setenv(SQLITE_SYNCHRONOUS_ENV, "normal")
    assert _level(tmp_path) == "NORMAL"


def test_anything_else_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SQLITE_SYNCHRONOUS_ENV, "OFF")
    with pytest.raises(Exception, match="FULL or NORMAL"):
        _level(tmp_path)
