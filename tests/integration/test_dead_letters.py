"""Dead letters on real PostgreSQL and Kafka: a service's runtime (outbox, consumer, the dead-letter
table of its migration) dead-letters a poison event; it is listed by the command and the admin API,
replayed once after the fix, and a second replay changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from gov_common.auth import Roles, TokenIssuer, TokenVerifier
from gov_common.bus.kafka import KafkaBus
from gov_common.cli import main as cli_main
from gov_common.db import Database
from gov_common.dead_letters import router as dead_letters_router
from gov_common.events import Event, Topics
from gov_common.messaging import emit, inbox
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app
from gov_common.settings import ServiceSettings
from tests.waiting import wait_until

TOPIC = "t.dl.v1"
TYPE = "test.poison"
SERVICE = "dead-letters-it"

effects_metadata = MetaData()
effects = Table("effects", effects_metadata, Column("event_id", String(64), primary_key=True))

MIGRATION = '''"""The messaging tables and the dead-letter table, as each service's migrations create them."""

from alembic import op

from gov_common.dead_letters import create_dead_letter_table
from gov_common.migrations import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    create_dead_letter_table(op)
'''
ENV = "from gov_common.migrations import run_env\n\nrun_env()\n"


class Cause:
    """The handler's cause of failure, fixed by the test."""

    fixed = False

    def handle(self, session: Session, event: Event) -> None:
        if not self.fixed:
            raise ValueError(f"unknown item {event.data['item']}")
        session.execute(insert(effects).values(event_id=event.id))


@dataclass
class Service:
    runtime: ServiceRuntime
    client: TestClient
    cause: Cause
    build: Callable[[], ServiceRuntime]
    admin: dict[str, str]
    clerk: dict[str, str]

    def effects(self) -> int:
        with self.runtime.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(effects)) or 0)


@pytest.fixture
def service(new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path) -> Iterator[Service]:
    url = new_database(f"dead_letters_{uuid.uuid4().hex[:6]}")
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(ENV)
    (migrations / "versions" / "0001_initial.py").write_text(MIGRATION)
    upgrade(migrations, url)
    effects_metadata.create_all(Database(url).engine)

    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    settings = ServiceSettings(
        database_url=url,
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=f"it{uuid.uuid4().hex[:8]}.",
        consumer_max_attempts=2,
        consumer_retry_backoff_seconds=0.05,
        relay_poll_seconds=0.5,
    )
    cause = Cause()

    def build() -> ServiceRuntime:
        return ServiceRuntime(
            name=SERVICE,
            settings=settings,
            verifier=verifier,
            handlers={TYPE: cause.handle},
            consumed_topics=[TOPIC],
            produced_topics=[TOPIC],
        )

    runtime = build()
    app = create_service_app(runtime, title="t", description="t", manage_lifespan=False)
    app.include_router(dead_letters_router)
    runtime.start()

    def token(roles: list[str]) -> dict[str, str]:
        jwt = issuer.issue(sub="s1", account_type="staff", name="某人", id_number=None, roles=roles, department=None)
        return {"Authorization": f"Bearer {jwt}"}

    try:
        yield Service(runtime, TestClient(app), cause, build, token([Roles.ADMIN]), token([Roles.CLERK]))
    finally:
        runtime.stop()
        runtime.db.dispose()


def _gauge() -> float | None:
    return REGISTRY.get_sample_value("gov_dead_letters_pending", {"service": SERVICE, "group": SERVICE, "topic": TOPIC})


def _cli(service: Service, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        cli_main(
            prog=SERVICE,
            default_port=0,
            build_app=lambda worker: None,
            build_runtime=service.build,  # a runtime of its own, not started: the command's process
            migrate=lambda: None,
            log_level=lambda: "WARNING",
            argv=["dead-letters", *argv],
        )
        status: Any = 0
    except SystemExit as exit_:
        status = exit_.code
    return int(status or 0), capsys.readouterr().out


def test_a_poison_event_is_listed_replayed_once_after_the_fix_and_a_second_replay_changes_nothing(
    service: Service, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command configures the process's logging as a service's would; not this test process's.
    monkeypatch.setattr("gov_common.cli.configure_logging", lambda *args, **kwargs: None)
    event = Event.new(type=TYPE, source="/test", subject="C-1", data={"item": "X-404"})
    with service.runtime.db.session() as session:
        emit(session, TOPIC, event)
    wait_until(lambda: bool(service.runtime.dead_letters.letters()))

    # Still on the dead-letter topic, in its format.
    namespace = service.runtime.settings.topic_namespace
    reader = KafkaBus(service.runtime.settings.kafka_bootstrap, client_id="t", namespace=namespace)
    consumer = reader.consumer(f"dlt-{uuid.uuid4().hex[:6]}", [Topics.dead_letter(TOPIC)])
    dead: list[Any] = []
    wait_until(lambda: bool(dead.extend(consumer.poll(0.5)) or dead))
    consumer.close()
    reader.close()
    assert dead[0].value == event.encode() and dead[0].headers["x-consumer-group"] == SERVICE
    assert "unknown item X-404" in dead[0].headers["x-dead-letter-reason"]

    # Listed by the command and by the API, with the reason.
    status, out = _cli(service, capsys, "list")
    assert status == 0 and f"{TYPE} {event.id}" in out and "reason: ValueError: unknown item X-404" in out
    listed = service.client.get("/api/v1/dead-letters", headers=service.admin)
    assert listed.status_code == 200, listed.text
    [letter] = listed.json()
    assert (letter["event_id"], letter["topic"], letter["group"], letter["status"]) == (
        event.id,
        TOPIC,
        SERVICE,
        "pending",
    )
    assert "unknown item X-404" in letter["reason"]
    wait_until(lambda: _gauge() == 1)

    # Before the fix a replay fails and the letter stays pending with the new reason.
    failed = service.client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=service.admin)
    assert failed.status_code == 200 and failed.json()["outcome"] == "failed"
    assert failed.json()["dead_letter"]["replay_attempts"] == 1
    assert service.effects() == 0

    service.cause.fixed = True
    replayed = service.client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=service.admin)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["outcome"] == "handled" and replayed.json()["dead_letter"]["status"] == "replayed"
    assert service.effects() == 1
    with service.runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(inbox).where(inbox.c.event_id == event.id)) == 1
    assert _gauge() == 0

    again = service.client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=service.admin)
    assert again.json()["outcome"] == "unchanged"
    status, out = _cli(service, capsys, "replay", str(letter["id"]))
    assert status == 0 and f"{letter['id']}: unchanged (replayed)" in out
    assert service.effects() == 1
    assert service.client.get("/api/v1/dead-letters", headers=service.admin).json() == []
    status, out = _cli(service, capsys, "list", "--status", "replayed")
    assert status == 0 and "1 dead letter(s)" in out


def test_only_the_administrator_sees_dead_letters_and_a_bad_id_is_a_problem(service: Service) -> None:
    refused = service.client.get("/api/v1/dead-letters", headers=service.clerk)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert service.client.post("/api/v1/dead-letters/1/replay", headers=service.clerk).status_code == 403
    assert service.client.get("/api/v1/dead-letters").status_code == 401

    missing = service.client.post("/api/v1/dead-letters/987654/replay", headers=service.admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "dead_letter_not_found"
    malformed = service.client.post("/api/v1/dead-letters/abc/discard", headers=service.admin, json={"reason": "x"})
    assert malformed.status_code == 422 and "letter_id" in malformed.text
    no_reason = service.client.post("/api/v1/dead-letters/1/discard", headers=service.admin, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
