"""service-management under test: its real app and database (SQLite, or PostgreSQL for the
integration tests), with fakes for what lies outside it (data-sharing's credit and licence
answers); the department's answers are delivered as events to the real handlers."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.events import Event, EventTypes
from gov_common.files import file_store_from_url
from gov_common.messaging import outbox
from service_management.app import create_app, create_runtime, migrate
from service_management.cases.licences import LicenceCheck
from service_management.ports import Ports
from service_management.rules.credit import CreditStatus
from service_management.settings import Settings

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PERSON = "11010519491231002X"
OTHER_PERSON = "110101199003077758"
MINOR = "110105200906150021"
ITEM_INSTANT = "330122-AMR-XK-0001"
ITEM_REVIEWED = "330122-AMR-XK-0002"
ITEM_EMPLOYMENT = "330122-HRSS-QR-0001"
BUSINESS_FORM = {"business_name": "张三小吃店", "business_address": "人民路1号", "business_scope": "小吃", "capital": 5}
FOOD_FORM = {
    "business_name": "张三小吃店",
    "business_address": "人民路1号",
    "food_category": "热食类制售",
    "floor_area": 40,
}
EMPLOYMENT_FORM = {"employer": "示范县某某公司", "start_date": "2026-09-01", "position": "会计"}


class NoTransactionGuard:
    """Fails a call to data-sharing made while the calling thread holds a database connection of
    service-management's (an open transaction): no transaction stays open across a network call.
    Per thread, because the outbox relay's thread may hold one of its own meanwhile."""

    def __init__(self) -> None:
        self.held: dict[int, int] = {}  # connection record -> thread that checked it out
        self.calls = 0

    def attach(self, engine: Any) -> None:
        def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
            self.held[id(record)] = threading.get_ident()

        def checkin(_dbapi: Any, record: Any) -> None:
            self.held.pop(id(record), None)

        sqlalchemy.event.listen(engine, "checkout", checkout)
        sqlalchemy.event.listen(engine, "checkin", checkin)

    def __call__(self) -> None:
        self.calls += 1
        mine = [r for r, thread in list(self.held.items()) if thread == threading.get_ident()]
        assert not mine, f"data-sharing called while this thread holds {len(mine)} database connection(s)"


class FakeCredit:
    """data-sharing's credit library as the test sets it; `reachable=False` is an outage, `readable=False`
    an answer that is no clear status (not known, but no outage)."""

    def __init__(self, guard: NoTransactionGuard | None = None) -> None:
        self.black: set[str] = set()
        self.red: set[str] = set()
        self.reachable = True
        self.readable = True
        self.asked: list[str] = []
        self.guard = guard or NoTransactionGuard()

    def status(self, subject: str) -> CreditStatus:
        self.guard()
        self.asked.append(subject)
        if not self.reachable:
            return CreditStatus(known=False, unavailable=True, detail="data-sharing unreachable: ConnectError")
        if not self.readable:
            return CreditStatus(known=False, detail="data-sharing gave no readable credit status")
        return CreditStatus(known=True, black_listed=subject in self.black, red_listed=subject in self.red)


class FakeLicences:
    def __init__(self, guard: NoTransactionGuard | None = None) -> None:
        self.usable: dict[str, tuple[str, str]] = {}  # licence no -> (holder, type)
        self.guard = guard or NoTransactionGuard()

    def check(
        self, *, license_no: str, holder_id_number: str, accepted_types: list[str], min_trust_level: str
    ) -> LicenceCheck:
        self.guard()
        held = self.usable.get(license_no)
        if held is None or held[0] != holder_id_number:
            return LicenceCheck(usable=False, reason="not a licence of this holder")
        if held[1] not in accepted_types:
            return LicenceCheck(usable=False, reason="another type of licence")
        return LicenceCheck(usable=True, license_type=held[1], trust_level="A")


@dataclass
class SM:
    client: TestClient
    runtime: Any
    credit: FakeCredit
    licences: FakeLicences
    issuer: TokenIssuer
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(
        self,
        *,
        sub: str,
        typ: str = "person",
        id_number: str | None = None,
        roles: tuple[str, ...] = (),
        dept: str | None = None,
        name: str = "测试",
    ) -> dict[str, str]:
        token = self.issuer.issue(
            sub=sub, account_type=typ, name=name, id_number=id_number, roles=list(roles), department=dept
        )
        return {"Authorization": f"Bearer {token}"}

    def person(self, id_number: str = PERSON, name: str = "张三") -> dict[str, str]:
        return self.headers(sub=f"p-{id_number}", id_number=id_number, name=name)

    def staff(self, role: str, dept: str | None = None, name: str | None = None) -> dict[str, str]:
        return self.headers(sub=f"s-{role}-{dept}", typ="staff", roles=(role,), dept=dept, name=name or role)

    def session(self) -> Any:
        return self.runtime.db.session()

    def deliver(self, type: str, data: dict[str, Any]) -> None:
        """A department's (or data-sharing's) event, handled in one transaction by the real handler of each of the
        service's consumer groups that takes it (the cases' group, then e.g. the held licences'), as each group
        gets every event of its topics."""
        event = Event.new(type=type, source="/test", subject=data.get("case_no", "x"), data=data)
        for handlers in [self.runtime.handlers, *self.runtime.dead_letters.group_handlers.values()]:
            if type in handlers:
                with self.session() as session:
                    handlers[type](session, event)

    def approve(self, case_no: str, *, automated: bool = False, license: bool = True) -> None:
        data: dict[str, Any] = {
            "case_no": case_no,
            "decided_by": "审批员",
            "opinion": "准予许可",
            "automated": automated,
        }
        if license:
            data["license"] = {
                "type": "business_license",
                "holder": {"id_number": PERSON, "name": "张三", "type": "person"},
                "issuer_department": "amr",
            }
        if automated:
            data["rule"] = {"version": 1, "inputs": {"applicant": {"age": 30}}}
        self.deliver(EventTypes.CASE_APPROVED, data)

    def issue_licence(self, case_no: str, license_no: str = "AMR-TEST-1") -> None:
        self.deliver(EventTypes.LICENSE_ISSUED, {"case_no": case_no, "license_no": license_no})

    def events(self, type: str, *, topic: str | None = None) -> list[Event]:
        """The events of `type` emitted so far: on `topic`, or each once (a dispatch or clock event goes on
        gov.case.v1 and on its department's topic: the same event)."""
        with self.session() as session:
            rows = session.execute(select(outbox.c.event_id, outbox.c.topic, outbox.c.payload).order_by(outbox.c.id))
            payloads = {r.event_id: r.payload for r in rows if topic is None or r.topic == topic}
        return [e for e in (Event.decode(p) for p in payloads.values()) if e.type == type]

    def file(self, item: str = ITEM_INSTANT, form: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        headers = kwargs.pop("headers", None) or self.person()
        body = {"item_code": item, "form": form if form is not None else BUSINESS_FORM, **kwargs}
        response = self.client.post("/api/v1/cases", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def case(self, case_no: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/cases/{case_no}", headers=headers or self.staff("admin"))
        assert response.status_code == 200, response.text
        return dict(response.json())


def build_sm(url: str, tmp_path: Path, **extra: Any) -> Iterator[SM]:
    settings = Settings(
        environment="test",
        database_url=url,
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=True,
        run_worker=False,
        supervision_interval_seconds=0,
        relay_poll_seconds=60,
        **extra,
    )
    migrate(settings)
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    guard = NoTransactionGuard()
    credit, licences = FakeCredit(guard), FakeLicences(guard)
    ports = Ports(
        files=file_store_from_url(str(tmp_path / "files"), max_bytes=64 * 1024), credit=credit, licences=licences
    )
    runtime = create_runtime(settings, verifier=verifier, ports=ports)
    guard.attach(runtime.db.engine)
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        yield SM(client=client, runtime=runtime, credit=credit, licences=licences, issuer=issuer)


@pytest.fixture
def sm(tmp_path: Path) -> Iterator[SM]:
    yield from build_sm(f"sqlite:///{tmp_path / 'sm.db'}", tmp_path)


@pytest.fixture
def pg_sm(tmp_path: Path, new_database: Callable[[str], str]) -> Iterator[SM]:
    yield from build_sm(new_database(f"sm_{uuid.uuid4().hex[:8]}"), tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_sm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SM]:
    """The same test on SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        yield from build_sm(f"sqlite:///{tmp_path / 'sm.db'}", tmp_path)
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        yield from build_sm(new_database(f"sm_{uuid.uuid4().hex[:8]}"), tmp_path)


def at(day: str, hour: int = 10) -> dt.datetime:
    """A moment in Asia/Shanghai (UTC+8) on `day`, as an aware UTC datetime."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(dt.UTC)


def with_session(sm: SM, fn: Callable[[Session], Any]) -> Any:
    with sm.session() as session:
        return fn(session)
