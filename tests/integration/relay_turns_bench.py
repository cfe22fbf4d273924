"""Micro-benchmark of the outbox relay under a steady flow of commits of one event each, as a service's
filings or a department's decisions give it: the relay thread's own CPU per event (from /proc), with
the relay keeping its turn between wakes (`--hold`, seconds; 0: the advisory lock around every batch).

Not a test (pytest does not collect it). Run from the repository root with the test servers up:

    GOV_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:25432/postgres \\
    GOV_TEST_KAFKA_BOOTSTRAP=127.0.0.1:29092 .venv/bin/python tests/integration/relay_turns_bench.py --hold 0.05

Creates a database and topics of its own and drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

from sqlalchemy import text

from gov_common.bus.kafka import KafkaBus
from gov_common.db import Database
from gov_common.events import Event
from gov_common.messaging import RELAY_HOLD_SECONDS, OutboxRelay, emit, messaging_metadata

TOPIC = "bench.relay.v1"


def _thread_cpu_seconds(native_id: int) -> float:
    fields = open(f"/proc/self/task/{native_id}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hold", type=float, default=RELAY_HOLD_SECONDS, help="the relay's hold_seconds")
    parser.add_argument("--rate", type=float, default=25.0, help="commits per second, one event each")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    server = os.environ["GOV_TEST_PG_URL"]
    name = f"relay_bench_{uuid.uuid4().hex[:6]}"
    admin = Database(server)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    db = Database(server.rsplit("/", 1)[0] + "/" + name)
    bus = KafkaBus(
        os.environ["GOV_TEST_KAFKA_BOOTSTRAP"],
        client_id="relay-bench",
        partitions=4,
        namespace=f"b{uuid.uuid4().hex[:6]}.",
    )
    try:
        messaging_metadata.create_all(db.engine)
        bus.ensure_topics([TOPIC])
        relay = OutboxRelay(db=db, bus=bus, service="relay-bench", hold_seconds=args.hold)
        relay.start()
        time.sleep(1.0)
        assert relay._thread is not None and relay._thread.native_id is not None
        thread = relay._thread.native_id
        count = int(args.rate * args.seconds)
        before = _thread_cpu_seconds(thread)
        start = time.monotonic()
        for n in range(count):
            if (wait := start + n / args.rate - time.monotonic()) > 0:
                time.sleep(wait)
            with db.session() as session:
                emit(session, TOPIC, Event.new(type="bench.step", source="/bench", subject=f"C{n % 50}", data={"n": n}))
        time.sleep(1.0)
        used = _thread_cpu_seconds(thread) - before
        relay.stop()
        print(
            f"hold {args.hold} s, {args.rate}/s for {args.seconds} s:",
            f"relay thread {1000 * used / count:.2f} ms CPU per event",
        )
    finally:
        bus.close()
        db.dispose()
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


if __name__ == "__main__":
    main()
