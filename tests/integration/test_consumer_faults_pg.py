"""Transient is not poison (issue 14), on real PostgreSQL and Kafka: the handler's database goes away
for a few seconds in the middle of a batch; its events are handled once it is back, in order, and
nothing is dead-lettered, while a poison event among them still is after bounded retries."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from gov_common.bus.kafka import KafkaBus
from gov_common.db import Database
from gov_common.events import Event, Topics
from gov_common.messaging import EventConsumer, inbox, messaging_metadata
from tests.waiting import wait_until

effects_metadata = MetaData()
effects = Table(
    "effects",
    effects_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("subject", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
)
TOPIC = "t.case.v1"
TYPE = "test.step"
OUTAGE_SECONDS = 4.0


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _event(subject: str, seq: int) -> Event:
    return Event.new(type=TYPE, source="/test", subject=subject, data={"seq": seq})


class Outage:
    """Makes one database unreachable: no new connection is accepted and every open one is ended
    (as a failover or a restart does), until `end()`. Other databases of the shared server are untouched."""

    def __init__(self, admin_url: str, database: str) -> None:
        self.admin_url = _libpq(admin_url)
        self.database = database
        self.began = 0.0
        self.ended = 0.0

    def _run(self, *statements: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]

    def begin(self) -> None:
        self.began = time.monotonic()
        self._run(
            f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.database}' AND pid <> pg_backend_pid()",
        )

    def end(self) -> None:
        self._run(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true')
        self.ended = time.monotonic()


@pytest.fixture
def service(
    new_database: Callable[[str], str], kafka_bootstrap: str, pg_admin_url: str
) -> Iterator[tuple[Database, KafkaBus, Outage]]:
    url = new_database(f"faults_{uuid.uuid4().hex[:6]}")
    db = Database(url)
    messaging_metadata.create_all(db.engine)
    effects_metadata.create_all(db.engine)
    bus = KafkaBus(kafka_bootstrap, client_id="test", partitions=3, namespace=f"it{uuid.uuid4().hex[:8]}.")
    bus.ensure_topics([TOPIC, Topics.dead_letter(TOPIC)])
    outage = Outage(pg_admin_url, url.rsplit("/", 1)[1])
    try:
        yield db, bus, outage
    finally:
        outage.end()
        bus.close()
        db.dispose()


def test_a_database_outage_mid_batch_is_waited_out_and_a_poison_event_still_dead_lettered(
    service: tuple[Database, KafkaBus, Outage],
) -> None:
    db, bus, outage = service
    events = [_event(f"C{n % 6}", n // 6) for n in range(24)]  # six cases of four steps
    trigger = events[8]  # C2's second step: the database goes away while it is handled
    poison = events[11]  # C5's second step: fails whatever the database does
    poison_tries = [0]
    trigger_handled_at = [0.0]

    def handle(session: Session, event: Event) -> None:
        if event.id == trigger.id and not outage.began:
            outage.begin()  # its own connection is among those ended
            threading.Timer(OUTAGE_SECONDS, outage.end).start()
        if event.id == poison.id:
            poison_tries[0] += 1
            raise ValueError("the payload names no applicant")
        session.execute(insert(effects).values(event_id=event.id, subject=event.subject, seq=event.data["seq"]))
        if event.id == trigger.id:
            trigger_handled_at[0] = time.monotonic()

    for event in events:
        bus.publish(TOPIC, event.subject, event.encode(), {"ce_type": event.type})
    consumer = EventConsumer(
        db=db,
        bus=bus,
        group="faults-test",
        topics=[TOPIC],
        handlers={TYPE: handle},
        service="faults-test",
        poll_seconds=0.2,
        max_attempts=3,  # ~0.15 s of deterministic retries: far less than the outage
        backoff_seconds=0.05,
        backoff_cap_seconds=0.5,
    )

    def handled() -> int:
        try:
            with db.session() as s:
                return int(s.scalar(select(func.count()).select_from(effects)) or 0)
        except Exception:
            return -1  # the database is away

    consumer.start()
    try:
        wait_until(lambda: handled() == len(events) - 1)
        reader = bus.broadcast_reader(Topics.dead_letter(TOPIC))
        dead: list[Event] = []
        wait_until(lambda: bool(dead.extend(Event.decode(m.value) for m in reader.poll(0.3))) or len(dead) >= 1)
        dead.extend(Event.decode(m.value) for m in reader.poll(0.5))  # anything else dead-lettered by now
        reader.close()
    finally:
        consumer.stop()

    assert outage.began and outage.ended, "the outage did not happen"
    assert trigger_handled_at[0] >= outage.ended  # handled after the database came back, not dead-lettered
    assert [e.id for e in dead] == [poison.id]
    # Three failures of its own; a try inside a batch transaction the outage failed as a whole is not counted.
    assert poison_tries[0] in (3, 4)
    with db.session() as s:
        rows = s.execute(select(effects.c.subject, effects.c.seq).order_by(effects.c.id)).all()
        inboxed = int(s.scalar(select(func.count()).select_from(inbox)) or 0)
    by_case: dict[str, list[int]] = {}
    for subject, seq in rows:
        by_case.setdefault(subject, []).append(seq)
    assert by_case == {f"C{n}": [0, 1, 2, 3] if n != 5 else [0, 2, 3] for n in range(6)}
    assert inboxed == len(events) - 1
