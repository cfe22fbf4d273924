"""The bus interface."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)


class BusConsumer(ABC):
    """One member of a consumer group."""

    @abstractmethod
    def poll(self, timeout: float) -> list[Message]:
        """Messages after the last position, waiting up to `timeout` seconds for some."""

    @abstractmethod
    def commit(self, message: Message) -> None:
        """Record that `message` and everything before it in its partition is handled."""

    @abstractmethod
    def close(self) -> None: ...


class TopicMissing(LookupError):
    """The topic a reader was asked for does not exist."""


class BroadcastReader(ABC):
    """Every message of one topic, from its beginning, to every reader: no consumer group, no commits.

    For facts each process must hold in full (the token revocation list): every replica reads the
    whole topic at start and keeps following it."""

    @abstractmethod
    def poll(self, timeout: float) -> list[Message]:
        """The next messages, waiting up to `timeout` seconds for some."""

    @abstractmethod
    def caught_up(self) -> bool:
        """Whether every message that was on the topic when the reader opened has been returned."""

    @abstractmethod
    def close(self) -> None: ...


class Bus(ABC):
    @abstractmethod
    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        """Append a message; returns once the bus has it durably (acks from all in-sync replicas)."""

    @abstractmethod
    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer: ...

    @abstractmethod
    def broadcast_reader(self, topic: str, *, wait_for_topic: float = 30.0) -> BroadcastReader:
        """A reader of `topic` from its beginning; TopicMissing when the topic does not exist
        (waiting up to `wait_for_topic` seconds for a topic created a moment ago to be known)."""

    @abstractmethod
    def ensure_topics(self, topics: Sequence[str], *, config: Mapping[str, str] | None = None) -> None:
        """Create the topics that are missing; `config` (e.g. `cleanup.policy=compact`) is set on
        them, on existing ones too."""

    def latest_by_key(self, topic: str, *, timeout: float = 10.0) -> dict[str, Message]:
        """The newest message of each key in `topic`, read whole through a broadcast reader (an empty
        value deletes its key, as a tombstone does). For small compacted topics (e.g. the audit
        checkpoints); {} when the topic does not exist; TimeoutError when not read in time."""
        deadline = time.monotonic() + timeout
        try:
            reader = self.broadcast_reader(topic, wait_for_topic=0.0)
        except TopicMissing:
            return {}
        try:
            latest: dict[str, Message] = {}
            while not reader.caught_up():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"topic {topic} was not read to its end in {timeout} s")
                for message in reader.poll(min(left, 1.0)):
                    if message.key is None:
                        continue
                    if message.value:
                        latest[message.key] = message
                    else:
                        latest.pop(message.key, None)
            return latest
        finally:
            reader.close()

    @abstractmethod
    def ping(self) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...
