"""Polling for a condition instead of sleeping a fixed time (issue 16): the tests that wait for a consumer, a relay or a
restart share this."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, every: float = 0.1) -> None:
    """Returns as soon as `condition()` is true; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)
