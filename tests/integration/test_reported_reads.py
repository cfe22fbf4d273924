"""Reads other services report (gov.data.read on gov.data.v1) on PostgreSQL and Kafka: data-sharing appends them
to its audit log from a consumer group of their own that gathers them (settings.reported_reads_consumer_group),
once each, in few appends; reads the licences' group appended before that group existed are not appended again
when the new group reads the topic from its beginning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select

from data_sharing.audit.models import AuditEntry
from data_sharing.audit.service import verify_chain
from gov_common.backlog import lag_source
from gov_common.contracts.events import DataRead
from gov_common.db import utcnow
from gov_common.events import Event, Topics
from gov_common.messaging import BatchHandler, inbox
from tests.integration.data_sharing_on_kafka import runtime_of, settings_on_kafka
from tests.waiting import wait_until

SUBJECT = "330122199003150022"


def _read(n: int) -> Event:
    return DataRead(
        resource="credit",
        fields=["subject", "black_listed", "red_listed", "records"],
        purpose=f"即办件审查：申请人信用状况 #{n}",
        reader="service-management",
        read_at=dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC),
    ).to_event(source="/service-management", subject=SUBJECT)


def test_reported_reads_are_gathered_appended_once_and_not_again_after_the_group_changed(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = settings_on_kafka("rr", new_database, kafka_bootstrap, tmp_path)
    runtime = runtime_of(settings)
    [group] = [c for c in runtime.consumers if Topics.DATA in c.topics]
    assert group.group == settings.reported_reads_consumer_group != settings.consumer_group
    assert group.gather_ms == 1000
    assert runtime.handlers.keys().isdisjoint({"gov.data.read"})  # the licences' group no longer takes them
    # Before the upgrade: the licences' group handled the first two reads (their entries and inbox rows).
    before, after = [_read(n) for n in range(2)], [_read(n) for n in range(2, 12)]
    handler = group.handlers["gov.data.read"]
    assert isinstance(handler, BatchHandler)  # a gathered batch is one append
    with runtime.db.session() as session:
        for event in before:
            handler(session, event)
            session.execute(
                insert(inbox).values(
                    consumer=settings.consumer_group, event_id=event.id, event_type=event.type, handled_at=utcnow()
                )
            )
    runtime.bus.ensure_topics([Topics.DATA])
    for event in [*before, *after, after[0]]:  # the topic from its beginning, and one event sent twice
        runtime.bus.publish(Topics.DATA, event.subject, event.encode(), {"ce_type": event.type})
    runtime.start()
    lag = lag_source(runtime.bus)
    assert lag is not None
    try:
        wait_until(lambda: sum(lag.measure(settings.reported_reads_consumer_group, [Topics.DATA]).values()) == 0)
    finally:
        lag.close()
        runtime.stop()
    with runtime.db.session() as session:
        purposes = session.scalars(select(AuditEntry.purpose).order_by(AuditEntry.seq)).all()
        gathered = session.scalar(select(func.count(func.distinct(AuditEntry.at))).where(AuditEntry.seq > 2))
        assert verify_chain(session, key=runtime.extras["audit_log"].key).valid
    # Each read once, in the order reported; the ten new ones in one gathered append (two if a fetch split them).
    assert purposes == [f"即办件审查：申请人信用状况 #{n}" for n in range(12)]
    assert gathered in (1, 2)
