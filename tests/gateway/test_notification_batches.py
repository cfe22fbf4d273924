"""The gateway's notifications consumer on PostgreSQL: a poll batch of case and licence events becomes
its notifications in one multi-row INSERT ... ON CONFLICT DO NOTHING (the statements per batch are
pinned here, whatever its size, and the INSERT is compiled once for every size); an event that made
its notification already (replayed past the inbox) makes no second one; a batch whose one statement
fails is handled event by event, and only the event at fault is held back."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.engine.default import CACHE_HIT

from gov_common.bus.base import BusConsumer, Message
from gov_common.bus.local import LocalBus
from gov_common.contracts.events import CaseEvent, EventData
from gov_common.db import Database
from gov_common.events import Event, EventTypes, Topics, applicant_data
from gov_common.messaging import TYPE_HEADER, EventConsumer, inbox
from portal_gateway.app import migrate
from portal_gateway.notifications import consumer as notifications
from portal_gateway.notifications.models import Notification
from portal_gateway.settings import Settings

ALICE = "11010519491231002X"


class _Member(BusConsumer):
    """Records the offset commits; nothing is polled (the batch is handed over)."""

    def __init__(self) -> None:
        self.commits: list[dict[tuple[str, int], int]] = []

    def poll(self, timeout: float) -> list[Message]:
        return []

    def commit(self, message: Message) -> None:
        self.commit_all([message])

    def commit_all(self, messages: Sequence[Message]) -> None:
        last: dict[tuple[str, int], int] = {}
        for m in messages:
            last[(m.topic, m.partition)] = m.offset + 1
        self.commits.append(last)

    def rewind(self) -> None:
        return None

    def close(self) -> None:
        return None


@pytest.fixture
def gateway_db(new_database: Callable[[str], str], tmp_path: Path) -> Iterator[tuple[Database, EventConsumer]]:
    settings = Settings(
        environment="test",
        database_url=new_database(f"gw_batches_{uuid.uuid4().hex[:6]}"),
        token_signing_key_path=str(tmp_path / "token.pem"),
    )
    migrate(settings)
    db = Database(settings.database_url)
    consumer = EventConsumer(
        db=db,
        bus=LocalBus(str(tmp_path / "bus.db")),
        group="portal-gateway",
        topics=notifications.TOPICS,
        handlers=notifications.make_handlers(),
        service="portal-gateway",
        backoff_seconds=0,
        max_attempts=2,
    )
    try:
        yield db, consumer
    finally:
        db.dispose()


def _accepted(n: int) -> Event:
    case_no = f"2026{n:08d}"
    return Event.new(
        type=EventTypes.CASE_ACCEPTED,
        source="/service-management",
        subject=case_no,
        data={
            "case_no": case_no,
            "item_code": "330122-AMR-XK-0001",
            "item": {"code": "330122-AMR-XK-0001", "name": "个体工商户设立登记"},
            "applicant": applicant_data(type="person", id_number=ALICE, name="张三"),
        },
    )


def _messages(events: Sequence[Event]) -> list[Message]:
    return [Message(Topics.CASE, n % 3, n, e.subject, e.encode(), {TYPE_HEADER: e.type}) for n, e in enumerate(events)]


def _count(db: Database, table: object) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_a_batch_of_events_is_one_insert_of_its_notifications(gateway_db: tuple[Database, EventConsumer]) -> None:
    db, consumer = gateway_db
    events = [_accepted(n) for n in range(40)]
    statements: list[str] = []
    sa_event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2].split()[0].upper()))
    member = _Member()
    consumer.handle_batch(_messages(events), member)
    # The notifications' one INSERT, and no inbox read or rows: the notification's unique event id makes
    # the handler idempotent (BatchHandler.idempotent). BEGIN and COMMIT are not statements of the cursor;
    # no savepoint while the batch goes through: 1, for 40 events as for 1.
    assert statements == ["INSERT"]
    assert _count(db, Notification) == 40 and _count(db, inbox) == 0
    assert len(member.commits) == 1

    # Delivered again (a crash before the offset commit, a replay): no second notification.
    statements.clear()
    compiled: list[str] = []  # a batch of another size reuses the compiled INSERT of notifications
    sa_event.listen(
        db.engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, _p, context, _m: "INTO notifications" in sql and compiled.append(context.cache_hit),
    )
    consumer.handle_batch(_messages([*events[:10], _accepted(99)]), member)
    assert statements == ["INSERT"]
    assert compiled == [CACHE_HIT], compiled
    assert _count(db, Notification) == 41 and _count(db, inbox) == 0
    with db.session() as session:
        titles = set(session.scalars(select(Notification.case_no)))
    assert titles == {e.subject for e in events} | {"202600000099"}


def test_a_failing_batch_goes_event_by_event_and_holds_back_only_the_event_at_fault(
    gateway_db: tuple[Database, EventConsumer], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, consumer = gateway_db
    events = [_accepted(n) for n in range(9)]
    poison = events[4]  # partition 1
    compose = notifications.texts.compose

    def failing(data: EventData) -> object:
        if isinstance(data, CaseEvent) and data.case_no == poison.subject:
            raise ValueError("a text that cannot be composed")
        return compose(data)

    monkeypatch.setattr(notifications.texts, "compose", failing)
    member = _Member()
    consumer.handle_batch(_messages(events), member)
    with db.session() as session:
        made = set(session.scalars(select(Notification.event_id)))
    assert made == {e.id for e in events} - {poison.id}
    assert _count(db, inbox) == 0  # idempotent by its own key, also with a savepoint per event
    # Partitions 0 and 2 went through in the first commit; partition 1 up to the poison (offset 1),
    # then the poison (dead-lettered after its attempts), then what followed it.
    assert member.commits[0] == {(Topics.CASE, 0): 7, (Topics.CASE, 1): 2, (Topics.CASE, 2): 9}
    assert member.commits[-1] == {(Topics.CASE, 1): 8}
