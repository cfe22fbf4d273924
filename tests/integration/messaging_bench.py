"""Micro-benchmark of the messaging core: N events through outbox relay -> Kafka -> consumer on PostgreSQL.

Not a test (pytest does not collect it). Run from the repository root with the test servers up:

    GOV_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:25432/postgres \
    GOV_TEST_KAFKA_BOOTSTRAP=127.0.0.1:29092 .venv/bin/python tests/integration/messaging_bench.py --events 5000

The outbox is filled first (in transactions of `--per-tx` events), then the relay and the consumer are
started together. Half the events are of a type the consumer has no handler for, as most events on
gov.case.v1 are for some group. Prints the relay's and the whole pipeline's events per second, and
checks that each case's handled events are in the order they were emitted.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

import psycopg
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from gov_common.bus.kafka import KafkaBus
from gov_common.db import Database
from gov_common.events import Event
from gov_common.messaging import EventConsumer, OutboxRelay, emit, messaging_metadata, outbox

bench_metadata = MetaData()
effects = Table(
    "bench_effects",
    bench_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("subject", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
)
HANDLED, IGNORED = "bench.handled", "bench.ignored"


def _handle(session: Session, event: Event) -> None:
    session.execute(insert(effects).values(event_id=event.id, subject=event.subject, seq=int(event.data["seq"])))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--per-tx", type=int, default=1, help="events emitted per transaction while filling")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    admin_url = os.environ["GOV_TEST_PG_URL"]
    name = f"bench_{uuid.uuid4().hex[:8]}"
    libpq = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    db = Database(url)
    bus = KafkaBus(
        os.environ["GOV_TEST_KAFKA_BOOTSTRAP"],
        client_id="bench",
        partitions=args.partitions,
        namespace=f"bench{uuid.uuid4().hex[:8]}.",
    )
    relay = consumer = None
    try:
        messaging_metadata.create_all(db.engine)
        bench_metadata.create_all(db.engine)
        bus.ensure_topics(["bench.v1", "bench.v1.dlt"])
        handled_expected = 0
        seqs: dict[str, int] = {}
        batch: list[Event] = []

        def flush() -> None:
            with db.session() as s:
                for e in batch:
                    emit(s, "bench.v1", e)
            batch.clear()

        for n in range(args.events):
            subject = f"C{n % args.cases:05d}"
            seq = seqs.get(subject, 0)
            seqs[subject] = seq + 1
            kind = HANDLED if n % 2 == 0 else IGNORED
            handled_expected += kind == HANDLED
            batch.append(Event.new(type=kind, source="/bench", subject=subject, data={"seq": seq, "pad": "x" * 400}))
            if len(batch) >= args.per_tx:
                flush()
        if batch:
            flush()

        relay = OutboxRelay(db=db, bus=bus, service="bench", poll_seconds=0.2)
        consumer = EventConsumer(
            db=db, bus=bus, group="bench", topics=["bench.v1"], handlers={HANDLED: _handle}, service="bench"
        )
        started = time.monotonic()
        consumer.start()
        relay.start()
        relay_done = None
        deadline = started + args.timeout
        handled = 0
        while time.monotonic() < deadline:
            with db.session() as s:
                if relay_done is None:
                    left = s.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))
                    if not left:
                        relay_done = time.monotonic() - started
                handled = int(s.scalar(select(func.count()).select_from(effects)) or 0)
            if handled >= handled_expected and relay_done is not None:
                break
            time.sleep(0.05)
        total = time.monotonic() - started
        with db.session() as s:
            rows = s.execute(select(effects.c.subject, effects.c.seq).order_by(effects.c.id)).all()
        last: dict[str, int] = {}
        out_of_order = 0
        for subject, seq in rows:
            if seq < last.get(subject, -1):
                out_of_order += 1
            last[subject] = seq
        print(
            f"events={args.events} cases={args.cases} per_tx={args.per_tx} partitions={args.partitions} "
            f"handled={handled}/{handled_expected} out_of_order={out_of_order}"
        )
        if relay_done is not None:
            print(f"relay: {args.events / relay_done:.0f} events/s ({relay_done:.2f} s)")
        else:
            print("relay: did not finish in time")
        print(f"relay+consumer: {args.events / total:.0f} events/s ({total:.2f} s, all events incl. ignored)")
        for metric, labels in (
            ("gov_relay_batch_size", {"service": "bench"}),
            ("gov_consumer_batch_size", {"service": "bench", "group": "bench"}),
        ):
            count = REGISTRY.get_sample_value(f"{metric}_count", labels)
            if count:  # absent before the batches were measured
                mean = (REGISTRY.get_sample_value(f"{metric}_sum", labels) or 0) / count
                print(f"{metric}: {count:.0f} batches, {mean:.1f} on average")
    finally:
        if consumer is not None:
            consumer.stop()
        if relay is not None:
            relay.stop()
        bus.close()
        db.dispose()
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
