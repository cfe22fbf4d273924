"""The worker's periodic task: licences whose period has ended become `expired` (with their event)."""

from __future__ import annotations

import logging
import threading

from data_sharing.licenses.lifecycle import expire_due
from gov_common.db import Database

log = logging.getLogger("data_sharing.licenses.sweeper")


class ExpirySweeper:
    def __init__(self, db: Database, *, interval_seconds: float) -> None:
        self._db = db
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_once(self) -> list[str]:
        with self._db.session() as session:
            expired = expire_due(session)
        if expired:
            log.info("expired %d licences: %s", len(expired), ", ".join(expired[:20]))
        return expired

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                while len(self.sweep_once()) >= 500:
                    pass
            except Exception:
                log.exception("licence expiry sweep failed; will retry")

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="data-sharing-expiry-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
