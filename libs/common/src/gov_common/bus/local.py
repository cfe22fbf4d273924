"""The standalone bus: a durable log in one SQLite file, shared by the services of one process.

Each topic is a single partition; each consumer group keeps its committed offset per topic, so
a restart redelivers what was not committed, exactly as Kafka does.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from gov_common.bus.base import BroadcastReader, Bus, BusConsumer, Message, Outgoing, last_per_partition

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key TEXT,
    value BLOB NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS messages_topic_seq ON messages (topic, seq);
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic)
);
"""


class LocalBusConsumer(BusConsumer):
    def __init__(self, bus: LocalBus, group: str, topics: Sequence[str], max_records: int = 100) -> None:
        self._bus = bus
        self._group = group
        self._topics = list(topics)
        self._max_records = max_records
        # Like a Kafka consumer, the position starts at the committed offset and then runs ahead.
        self._position = {t: bus._committed(group, t) for t in self._topics}
        self._closed = False

    def poll(self, timeout: float) -> list[Message]:
        # Reading under the condition means a publish cannot slip between the read and the wait.
        with self._bus._appended:
            messages = self._bus._read_after(self._position, limit=self._max_records)
            if not messages and not self._closed:
                self._bus._appended.wait(timeout)
                messages = self._bus._read_after(self._position, limit=self._max_records)
        for message in messages:
            self._position[message.topic] = max(self._position[message.topic], message.offset)
        return messages

    def commit(self, message: Message) -> None:
        self._bus._commit(self._group, {message.topic: message.offset})

    def commit_all(self, messages: Sequence[Message]) -> None:
        last = last_per_partition(messages)
        if last:
            self._bus._commit(self._group, {topic: m.offset for (topic, _), m in last.items()})

    def rewind(self) -> None:
        self._position = {t: self._bus._committed(self._group, t) for t in self._topics}

    def close(self) -> None:
        self._closed = True


class LocalBroadcastReader(BroadcastReader):
    def __init__(self, bus: LocalBus, topic: str) -> None:
        self._bus = bus
        self._position = {topic: 0}
        self._topic = topic
        self._end = bus._last_seq(topic)  # what there was when the reader opened
        self._closed = False

    def poll(self, timeout: float) -> list[Message]:
        with self._bus._appended:
            messages = self._bus._read_after(self._position, limit=500)
            if not messages and not self._closed:
                self._bus._appended.wait(timeout)
                messages = self._bus._read_after(self._position, limit=500)
        for message in messages:
            self._position[self._topic] = max(self._position[self._topic], message.offset)
        return messages

    def caught_up(self) -> bool:
        return self._position[self._topic] >= self._end

    def close(self) -> None:
        self._closed = True

    def wake(self) -> None:
        with self._bus._appended:
            self._bus._appended.notify_all()


class LocalBus(Bus):
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        self._appended = threading.Condition()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO messages (topic, key, value, headers) VALUES (?, ?, ?, ?)",
                (topic, key, value, json.dumps(headers or {})),
            )
        with self._appended:
            self._appended.notify_all()

    def publish_batch(self, messages: Sequence[Outgoing]) -> None:
        if not messages:
            return
        with self._lock:
            # One transaction: one write to the file for the whole batch.
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT INTO messages (topic, key, value, headers) VALUES (?, ?, ?, ?)",
                    [(m.topic, m.key, m.value, json.dumps(m.headers)) for m in messages],
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        with self._appended:
            self._appended.notify_all()

    def consumer(self, group: str, topics: Sequence[str], *, max_records: int = 100, gather_ms: int = 0) -> BusConsumer:
        # In one process the events are there as soon as written: nothing to gather for.
        return LocalBusConsumer(self, group, topics, max_records)

    def broadcast_reader(self, topic: str, *, wait_for_topic: float = 30.0) -> BroadcastReader:
        return LocalBroadcastReader(self, topic)

    def ensure_topics(self, topics: Sequence[str], *, config: Mapping[str, str] | None = None) -> None:
        return None  # topics exist as soon as something is written to them; nothing is ever compacted

    def ping(self) -> bool:
        try:
            with self._lock:
                self._conn.execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self._appended:
            self._appended.notify_all()

    def _committed(self, group: str, topic: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT seq FROM group_offsets WHERE group_id = ? AND topic = ?", (group, topic)
            ).fetchone()
        return int(row[0]) if row else 0

    def _last_seq(self, topic: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT MAX(seq) FROM messages WHERE topic = ?", (topic,)).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _commit(self, group: str, seqs: Mapping[str, int]) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT INTO group_offsets (group_id, topic, seq) VALUES (?, ?, ?) "
                "ON CONFLICT (group_id, topic) DO UPDATE SET seq = MAX(seq, excluded.seq)",
                [(group, topic, seq) for topic, seq in seqs.items()],
            )

    def _read_after(self, positions: dict[str, int], limit: int) -> list[Message]:
        if not positions:
            return []
        clauses = " OR ".join("(topic = ? AND seq > ?)" for _ in positions)
        params: list[object] = []
        for topic, seq in positions.items():
            params += [topic, seq]
        with self._lock:
            rows = self._conn.execute(
                f"SELECT seq, topic, key, value, headers FROM messages WHERE {clauses} ORDER BY seq LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [
            Message(topic=t, partition=0, offset=s, key=k, value=bytes(v), headers=json.loads(h))
            for s, t, k, v, h in rows
        ]

    def lag(self, group: str, topics: Sequence[str]) -> dict[str, int]:
        """How many messages of each topic come after `group`'s committed offset (its consumer lag,
        gov_common.backlog): one range count on the (topic, seq) index per topic."""
        lag = {}
        for topic in topics:
            committed = self._committed(group, topic)
            with self._lock:
                row = self._conn.execute(
                    "SELECT COUNT(*) FROM messages WHERE topic = ? AND seq > ?", (topic, committed)
                ).fetchone()
            lag[topic] = int(row[0])
        return lag
