"""A thread that reads one topic from its beginning and follows it (facts every process holds in full: the
token revocation list, service-management's credit lists), over a BroadcastReader."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence

from gov_common.bus.base import BroadcastReader, Bus, Message

log = logging.getLogger("gov_common.bus.follower")


class TopicFollower(ABC):
    """Reads `topic` into `handle` from its beginning, then follows it. `caught_up` tells `handle` that
    every message that was on the topic when the reader opened has been read; `on_caught_up` runs once
    when that first holds. On a failure a new reader reads from the beginning again (facts are
    idempotent). `stop` wakes the reader's poll instead of waiting it out."""

    def __init__(self, *, bus: Bus, topic: str, thread_name: str, poll_seconds: float = 0.5) -> None:
        self.bus = bus
        self.topic = topic
        self.thread_name = thread_name
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reader: BroadcastReader | None = None
        self._signalled = False

    @abstractmethod
    def handle(self, messages: Sequence[Message], *, caught_up: bool) -> None: ...

    def on_caught_up(self) -> None:  # noqa: B027 - optional
        """Runs once, on the follower's thread, when the topic has first been read to its end."""

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to end after its current poll (stop() waits for it)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        reader = self._reader
        if reader is not None:
            reader.wake()  # not a poll's whole timeout at every stop
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _signal(self) -> None:
        if not self._signalled:
            self._signalled = True
            self.on_caught_up()

    def _run(self) -> None:
        while not self._stop.is_set():
            reader = None
            try:
                reader = self.bus.broadcast_reader(self.topic)
                self._reader = reader
                caught_up = False
                while not self._stop.is_set():
                    if caught_up or reader.caught_up():  # an empty topic: at once, not after a poll
                        caught_up = True
                        self._signal()
                    messages = reader.poll(self.poll_seconds)
                    # After the poll: what it returned is handled knowing whether anything that was on
                    # the topic at the start is still unread.
                    caught_up = caught_up or reader.caught_up()
                    if messages:
                        self.handle(messages, caught_up=caught_up)
                    if caught_up:
                        self._signal()
            except Exception:
                log.exception("%s: reading %s failed; reading it again", self.thread_name, self.topic)
                self._stop.wait(1.0)
            finally:
                self._reader = None
                if reader is not None:
                    try:
                        reader.close()
                    except Exception:
                        log.exception("%s: closing the reader of %s", self.thread_name, self.topic)
