"""The warehouse on PostgreSQL and Kafka: data-sharing's consumer keeps it from the case and licence
topics (every event delivered again once handled: the inbox makes the copies harmless), and a
rebuild that reads the topics again from their beginning, outside any consumer group, gives the same
figures."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from data_sharing.app import create_runtime, migrate
from data_sharing.settings import Settings
from data_sharing.warehouse import pseudonym
from data_sharing.warehouse import queries as q
from data_sharing.warehouse.handlers import slots
from data_sharing.warehouse.models import case_fact, license_fact, resume_fact, step_fact, supplement_fact
from data_sharing.warehouse.rebuild import rebuild
from gov_common.auth import TokenVerifier
from gov_common.backlog import lag_source
from gov_common.bus import make_bus
from gov_common.events import Event, Topics
from gov_common.service import ServiceRuntime
from tests.data_sharing.test_warehouse import in_order
from tests.data_sharing.test_warehouse_rebuild import figures, licence_issued


def publish(runtime: ServiceRuntime, events: list[Event]) -> None:
    for event in events:
        topic = Topics.LICENSE if event.type.startswith("gov.license.") else Topics.CASE
        runtime.bus.publish(topic, event.subject, event.encode(), {"ce_type": event.type})


FACTS = (case_fact, step_fact, supplement_fact, resume_fact, license_fact)


def _wait(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_consumer_keeps_the_warehouse_and_a_rebuild_from_kafka_agrees(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = Settings(
        environment="test",
        database_url=new_database(f"ds_whk_{uuid.uuid4().hex[:6]}"),
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=f"wh{uuid.uuid4().hex[:8]}.",
        license_signing_key_path=str(tmp_path / "license.pem"),
        seed_demo=False,
    )
    migrate(settings)
    runtime = create_runtime(settings, verifier=TokenVerifier(lambda: {"keys": []}, issuer="x", audience="y"))
    runtime.bus.ensure_topics([Topics.CASE, Topics.LICENSE])  # before the consumer subscribes: no wait for metadata
    runtime.start()
    events = [*in_order(), licence_issued("C2")]
    lag = lag_source(runtime.bus)
    assert lag is not None
    try:
        publish(runtime, events)

        def all_handled() -> bool:  # every fact of the seven cases and the licence is in
            with runtime.db.session() as s:
                counts = [s.scalar(select(func.count()).select_from(t).where(t.c.slot == 0)) for t in FACTS]
                return counts == [7, 7, 3, 2, 1] and q.overview(s, q.Filters()).rated == 3

        _wait(all_handled)
        counted = figures(runtime.db)
        publish(runtime, events)  # every event delivered again, then handled as a duplicate
        _wait(lambda: sum(lag.measure(settings.warehouse_consumer_group, [Topics.CASE, Topics.LICENSE]).values()) == 0)
        assert figures(runtime.db) == counted
    finally:
        lag.close()
        runtime.stop()
    assert counted["funnel"][0]["cases"] == 7 and counted["overview"]["average_total_days"] == 2.2

    bus = make_bus(settings, client_id="warehouse-rebuild-test")
    try:
        done = rebuild(runtime.db, bus, pseudonyms=pseudonym.load(settings))
    finally:
        bus.close()
    assert done.slot == 1 and done.events == 2 * len(events)
    assert figures(runtime.db) == counted
    with runtime.db.session() as s:
        assert slots(s) == (1, None)
        assert s.scalar(select(func.count()).select_from(case_fact).where(case_fact.c.slot == 0)) == 0
    runtime.db.engine.dispose()
