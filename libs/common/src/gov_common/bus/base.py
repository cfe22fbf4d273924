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


@dataclass(frozen=True)
class Outgoing:
    """A message to append, for `Bus.publish_batch`."""

    topic: str
    key: str
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)


def last_per_partition(messages: Sequence[Message]) -> dict[tuple[str, int], Message]:
    """The message with the highest offset of each (topic, partition) among `messages`."""
    last: dict[tuple[str, int], Message] = {}
    for message in messages:
        held = last.get((message.topic, message.partition))
        if held is None or message.offset > held.offset:
            last[(message.topic, message.partition)] = message
    return last


class Reassigned(Exception):
    """The consumer group was rebalanced while this member held messages it had not committed: they
    may belong to another member now. Drop them and `rewind()`; whichever member owns their partition
    reads them again from the committed offset."""


class BusConsumer(ABC):
    """One member of a consumer group."""

    @abstractmethod
    def poll(self, timeout: float) -> list[Message]:
        """Messages after the last position, waiting up to `timeout` seconds for some."""

    @abstractmethod
    def commit(self, message: Message) -> None:
        """Record that `message` and everything before it in its partition is handled."""

    def commit_all(self, messages: Sequence[Message]) -> None:
        """Record, in one commit, that in each partition everything up to the last of `messages`
        is handled (the consumer commits a poll batch at once)."""
        for message in last_per_partition(messages).values():
            self.commit(message)

    def wait(self, seconds: float) -> None:
        """Let `seconds` pass without fetching anything while staying a member of the group (a member
        that does not poll for a while is expelled). Raises Reassigned when the group was rebalanced
        meanwhile."""
        time.sleep(seconds)

    @abstractmethod
    def rewind(self) -> None:
        """Go back to the committed offsets: what was polled and not committed is polled again."""

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

    def wake(self) -> None:  # noqa: B027 - optional: a reader whose poll cannot be woken keeps its timeout
        """Ends a `poll` waiting in another thread early (it returns what there is, perhaps nothing), so
        that a reader's thread sees it was asked to stop without waiting out its poll. Safe from any
        thread. By default nothing: the poll ends at its timeout."""


class Bus(ABC):
    @abstractmethod
    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        """Append a message; returns once the bus has it durably (acks from all in-sync replicas)."""

    def publish_batch(self, messages: Sequence[Outgoing]) -> None:
        """Append `messages`, keeping their order per key; returns once the bus has all of them
        durably, raises if any could not be appended (then some may have been: the caller sends
        them all again, at least once)."""
        for message in messages:
            self.publish(message.topic, message.key, message.value, message.headers)

    @abstractmethod
    def consumer(self, group: str, topics: Sequence[str], *, max_records: int = 100, gather_ms: int = 0) -> BusConsumer:
        """A member of consumer group `group`; each poll returns at most `max_records` messages.
        `gather_ms` > 0: a group allowed to lag (the warehouse), whose fetches wait up to that long for
        events to gather, at any rate, so that it handles many in a batch (a bus without fetches may
        ignore it)."""

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
