"""Versions of reference data that are never changed once written (a process definition, a decision
table: an edit is a new version), kept by each process once read, so that a filing reads only which
version is current (docs/service-management.md, **Per-case cost**)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class KeptVersions(Generic[V]):
    """At most `kept` versions, by the id and the time of writing of their row: SQLite may give the id of a
    rolled-back row to the next row, and no two rows are written at the same microsecond. The oldest kept
    goes first (a dict keeps its order of insertion). The API's worker threads share it: filling and
    evicting take a lock (reading does not; `read()` runs outside it)."""

    def __init__(self, kept: int = 256) -> None:
        self.kept = kept
        self._versions: dict[tuple[int, Any], V] = {}
        self._lock = threading.Lock()

    def get(self, row_id: int, written_at: Any, read: Callable[[], V | None]) -> V | None:
        """The version of row `row_id` written at `written_at`: kept, else `read()` (None: no such row)."""
        key = (row_id, written_at)
        known = self._versions.get(key)
        if known is None:
            known = read()
            if known is None:
                return None
            with self._lock:
                self._versions[key] = known
                while len(self._versions) > self.kept:
                    del self._versions[next(iter(self._versions))]
        return known
