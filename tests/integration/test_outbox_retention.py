"""The outbox does not grow for ever: the relay deletes rows published longer ago than the retention, in
chunks, and never a row that has not gone out (SQLite and PostgreSQL). Nor does the inbox: rows of events
handled longer ago than its retention go, in chunks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from gov_common.bus.local import LocalBus
from gov_common.db import Database, utcnow
from gov_common.messaging import OutboxRelay, inbox, messaging_metadata, outbox, purge_inbox


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'outbox.db'}"
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database(f"outbox_ret_{uuid.uuid4().hex[:6]}")
    database = Database(url)
    messaging_metadata.create_all(database.engine)
    request.addfinalizer(database.dispose)
    return database


def test_published_rows_past_the_retention_are_deleted_and_nothing_else(db: Database, tmp_path: Path) -> None:
    now = utcnow()
    eight_days, an_hour, nine_days = now - timedelta(days=8), now - timedelta(hours=1), now - timedelta(days=9)
    rows = (
        [{"published_at": eight_days, "created_at": eight_days}] * 23  # past a 7-day retention
        + [{"published_at": an_hour, "created_at": an_hour}] * 4
        # never published (the broker was away for nine days): kept whatever their age
        + [{"published_at": None, "created_at": nine_days}] * 3
    )
    with db.session() as session:
        session.execute(
            insert(outbox),
            [
                {"event_id": uuid.uuid4().hex, "topic": "t", "key": f"k{i}", "payload": b"{}", **row}
                for i, row in enumerate(rows)
            ],
        )
    relay = OutboxRelay(db=db, bus=LocalBus(str(tmp_path / "bus.db")), service="test")

    assert relay.purge_published(older_than_seconds=7 * 86400, chunk=5) == 23  # five chunks of five, the last short

    with db.session() as session:
        left = session.execute(
            select(outbox.c.published_at.is_(None), func.count()).group_by(outbox.c.published_at.is_(None))
        ).all()
    assert dict(left) == {False: 4, True: 3}
    assert relay.purge_published(older_than_seconds=7 * 86400) == 0


def test_inbox_rows_past_the_retention_are_deleted_in_chunks(db: Database, tmp_path: Path) -> None:
    now = utcnow()
    ages = {"old": now - timedelta(days=50), "recent": now - timedelta(days=44)}
    rows = [("g1", "old")] * 7 + [("g2", "old")] * 5 + [("g1", "recent")] * 4
    with db.session() as session:
        session.execute(
            insert(inbox),
            [
                {"consumer": group, "event_id": f"{age}-{i}", "event_type": "t", "handled_at": ages[age]}
                for i, (group, age) in enumerate(rows)
            ],
        )
    relay = OutboxRelay(
        db=db, bus=LocalBus(str(tmp_path / "bus.db")), service="test", inbox_retention_seconds=45 * 86400
    )
    assert purge_inbox(db, older_than_seconds=45 * 86400, chunk=5) == 12  # three chunks, the last short
    with db.session() as session:
        assert sorted(session.scalars(select(inbox.c.event_id))) == [f"recent-{i}" for i in range(12, 16)]
    relay.purge_old()  # the relay's housekeeping: nothing more past the retention
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(inbox)) == 4
