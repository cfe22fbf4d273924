"""The warehouse on PostgreSQL and Kafka: data-sharing's consumer keeps it from the case and licence
topics (every event delivered again once handled: the inbox makes the copies harmless), and a
rebuild that reads the topics again from their beginning, outside any consumer group, gives the same
figures."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from data_sharing.licenses.models import License
from data_sharing.warehouse import facts, pseudonym
from data_sharing.warehouse import queries as q
from data_sharing.warehouse.handlers import slots
from data_sharing.warehouse.models import case_fact, license_fact, resume_fact, step_fact, supplement_fact
from data_sharing.warehouse.rebuild import rebuild
from gov_common.backlog import lag_source
from gov_common.bus import make_bus
from gov_common.events import Event, EventTypes, Topics
from gov_common.service import ServiceRuntime
from tests.data_sharing.test_warehouse import in_order
from tests.data_sharing.test_warehouse_rebuild import figures, licence_issued
from tests.integration.data_sharing_on_kafka import runtime_of, settings_on_kafka
from tests.waiting import wait_until


def publish(runtime: ServiceRuntime, events: list[Event]) -> None:
    for event in events:
        topic = Topics.LICENSE if event.type.startswith("gov.license.") else Topics.CASE
        runtime.bus.publish(topic, event.subject, event.encode(), {"ce_type": event.type})


FACTS = (case_fact, step_fact, supplement_fact, resume_fact, license_fact)


def test_the_consumer_keeps_the_warehouse_and_a_rebuild_from_kafka_agrees(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = settings_on_kafka("wh", new_database, kafka_bootstrap, tmp_path)
    runtime = runtime_of(settings)
    runtime.bus.ensure_topics([Topics.CASE, Topics.LICENSE])  # before the consumer subscribes: no wait for metadata
    runtime.start()
    # The warehouse may lag: its group gathers a second of events per fetch, in batches of up to 500.
    [warehouse] = [c for c in runtime.consumers if c.group == settings.warehouse_consumer_group]
    assert (warehouse.gather_ms, warehouse.max_batch, warehouse.poll_seconds) == (1000, 500, 1.0)
    events = [*in_order(), licence_issued("C2")]
    lag = lag_source(runtime.bus)
    assert lag is not None
    try:
        publish(runtime, events)

        def all_handled() -> bool:  # every fact of the seven cases and the licence is in
            with runtime.db.session() as s:
                counts = [s.scalar(select(func.count()).select_from(t).where(t.c.slot == 0)) for t in FACTS]
                return counts == [7, 7, 3, 2, 1] and q.overview(s, q.Filters()).rated == 3

        wait_until(all_handled)
        counted = figures(runtime.db)
        publish(runtime, events)  # every event delivered again, then handled as a duplicate
        wait_until(
            lambda: sum(lag.measure(settings.warehouse_consumer_group, [Topics.CASE, Topics.LICENSE]).values()) == 0
        )
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


def test_a_licence_is_issued_while_the_warehouse_is_stuck(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warehouse has a consumer group of its own: while its handler hangs on an approval, the
    licences' group issues the licence; released, the warehouse catches up."""
    settings = settings_on_kafka("whl", new_database, kafka_bootstrap, tmp_path)
    entered, release = threading.Event(), threading.Event()
    original = facts.apply_batch

    def stuck(session: Any, events: Any, slot: int, pseudonyms: Any) -> None:
        entered.set()
        assert release.wait(60), "never released"
        original(session, events, slot, pseudonyms)

    monkeypatch.setattr(facts, "apply_batch", stuck)
    runtime = runtime_of(settings)
    runtime.bus.ensure_topics([Topics.CASE, Topics.LICENSE])
    runtime.start()
    approval = _approval()
    try:
        publish(runtime, [approval])
        wait_until(entered.is_set)  # the warehouse holds the approval
        wait_until(lambda: _licence_of(runtime, approval) is not None)
        assert not release.is_set() and _case_facts(runtime) == 0  # issued while the warehouse waits
        release.set()
        wait_until(lambda: _case_facts(runtime) == 1)  # then it catches up
    finally:
        release.set()
        runtime.stop()
        runtime.db.engine.dispose()


def _approval() -> Event:
    case_no = f"20261205{uuid.uuid4().int % 10**10:010d}"
    spec = {
        "type": "business_license",
        "name": "营业执照",
        "issuer_department": "amr",
        "holder": {"id_number": "11010519491231002X", "name": "张三", "type": "person"},
        "fields": {"business_name": "张三小吃店", "business_address": "人民路1号"},
    }
    return Event.new(
        type=EventTypes.CASE_APPROVED,
        source="/business-systems/amr",
        subject=case_no,
        data={"case_no": case_no, "item_code": "330122-AMR-XK-0001", "department_code": "amr", "license": spec},
    )


def _licence_of(runtime: ServiceRuntime, approval: Event) -> str | None:
    with runtime.db.session() as s:
        return s.scalar(select(License.license_no).where(License.case_no == approval.data["case_no"]))


def _case_facts(runtime: ServiceRuntime) -> int:
    with runtime.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(case_fact)) or 0)
