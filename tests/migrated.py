"""Migrated SQLite databases from one template per test process and service.

Hundreds of tests build a service on a fresh SQLite file, and each ran every Alembic migration of that
service (about 0.2 s for service-management). `install()` makes Alembic's `upgrade` to head of an absent or
empty SQLite file copy a template instead: the first such upgrade of a service's migrations in the process
runs them for real into the template, each later one copies it with SQLite's backup API (a consistent copy,
journal mode included). Anything else runs the migrations as written: another revision, a database that has
tables already (an upgrade of an existing database), PostgreSQL, and every process the tests start (the
end-to-end platforms, `python -m <service> migrate`).
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from gov_common.migrations import alembic_config

_real_upgrade = command.upgrade
_templates: dict[str, Path] = {}
_lock = threading.Lock()
_root: Path | None = None


def _sqlite_file(url: str | None) -> Path | None:
    if not url or not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path)


def _is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def _template(script_location: str) -> Path:
    global _root
    with _lock:
        if script_location in _templates:
            return _templates[script_location]
        if _root is None:
            _root = Path(tempfile.mkdtemp(prefix="gov-migrated-"))
            atexit.register(shutil.rmtree, _root, ignore_errors=True)
        template = _root / f"{len(_templates)}.db"
        _real_upgrade(alembic_config(Path(script_location), f"sqlite:///{template}"), "head")
        _templates[script_location] = template
        return template


def _upgrade(config: Config, revision: str, *args: Any, **kwargs: Any) -> None:
    target = _sqlite_file(config.get_main_option("sqlalchemy.url"))
    script_location = config.get_main_option("script_location")
    if (
        revision != "head"
        or args
        or kwargs
        or target is None
        or script_location is None
        or "connection" in config.attributes
        or not _is_empty(target)
    ):
        _real_upgrade(config, revision, *args, **kwargs)
        return
    template = _template(script_location)
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(template)) as source, contextlib.closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


def install() -> None:
    """Alembic's upgrade in this process copies templates where it can (see the module's docstring)."""
    command.upgrade = _upgrade  # type: ignore[assignment]
