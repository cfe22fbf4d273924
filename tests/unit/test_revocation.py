"""The revocation list every process keeps (gov_common.revocation), fed by a fake bus: which tokens
each fact ends, and that the feed reads the whole topic before the process is ready, follows it,
and reads it again after a failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

import gov_common.service as service_module
from gov_common.auth import CurrentPrincipal, Principal, TokenIssuer, TokenVerifier
from gov_common.bus.base import BroadcastReader, Bus, BusConsumer, Message
from gov_common.bus.local import LocalBus
from gov_common.errors import ServiceUnavailable, Unauthorized
from gov_common.events import Event, Topics
from gov_common.messaging import messaging_metadata
from gov_common.revocation import (
    RevocationFeed,
    RevocationList,
    account_revoked,
    client_revoked,
    grant_ended,
)
from gov_common.service import ServiceRuntime, create_service_app
from gov_common.settings import ServiceSettings

SOURCE = "/portal-gateway"


class FakeReader(BroadcastReader):
    def __init__(self, bus: FakeBus, topic: str) -> None:
        self._bus, self._topic = bus, topic
        self._next = 0
        self._end = len(bus.log(topic))

    def poll(self, timeout: float) -> list[Message]:
        if self._bus.fail_polls > 0:
            self._bus.fail_polls -= 1
            raise ConnectionError("the broker went away")
        deadline = time.monotonic() + timeout
        while self._next >= len(self._bus.log(self._topic)) and time.monotonic() < deadline:
            time.sleep(0.005)
        messages = self._bus.log(self._topic)[self._next :]
        self._next += len(messages)
        return messages

    def caught_up(self) -> bool:
        return self._next >= self._end

    def close(self) -> None:
        self._bus.closed_readers += 1


class FakeBus(Bus):
    """The broadcast side of a bus, in memory."""

    def __init__(self) -> None:
        self._messages: dict[str, list[Message]] = {}
        self.readers_opened = 0
        self.closed_readers = 0
        self.fail_polls = 0

    def log(self, topic: str) -> list[Message]:
        return list(self._messages.get(topic, []))

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        log = self._messages.setdefault(topic, [])
        log.append(Message(topic=topic, partition=0, offset=len(log), key=key, value=value))

    def broadcast_reader(self, topic: str) -> BroadcastReader:
        self.readers_opened += 1
        return FakeReader(self, topic)

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer:
        raise NotImplementedError

    def ensure_topics(self, topics: Sequence[str], *, config: Mapping[str, str] | None = None) -> None:
        return None

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        return None


def _publish(bus: Bus, event: Event) -> None:
    bus.publish(Topics.TOKEN, event.subject, event.encode())


def _bearer(issuer: TokenIssuer, **claims: Any) -> dict[str, str]:
    """Bearer headers of a person's token with these claims."""
    values: dict[str, Any] = {"account_type": "person", "name": "张三", "id_number": None, "roles": []}
    return {"Authorization": f"Bearer {issuer.issue(**(values | {'department': None} | claims))}"}


def _principal(**claims: Any) -> Principal:
    """A verified token of the gateway's kind, with these claims."""
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    values: dict[str, Any] = {
        "account_type": "person",
        "name": "张三",
        "id_number": None,
        "roles": [],
        "department": None,
    }
    token = issuer.issue(**(values | claims))
    return TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform").verify(token)


def _list(*events: Event) -> RevocationList:
    revocations = RevocationList()
    for event in events:
        assert revocations.apply(event)
    return revocations


def test_an_accounts_tokens_below_the_generation_end_and_later_ones_stay() -> None:
    revocations = _list(account_revoked(source=SOURCE, account_id="a1", min_generation=2))
    assert revocations.revoked(_principal(sub="a1", token_generation=1))
    assert revocations.revoked(_principal(sub="a1"))  # a token without a generation is of generation 0
    assert not revocations.revoked(_principal(sub="a1", token_generation=2))
    assert not revocations.revoked(_principal(sub="a2", token_generation=0))  # another account


def test_facts_are_lower_bounds_so_a_late_or_repeated_one_never_lowers_the_generation() -> None:
    revocations = _list(
        account_revoked(source=SOURCE, account_id="a1", min_generation=3),
        account_revoked(source=SOURCE, account_id="a1", min_generation=1),  # arrived late
        account_revoked(source=SOURCE, account_id="a1", min_generation=3),  # delivered twice
    )
    assert revocations.revoked(_principal(sub="a1", token_generation=2))
    assert not revocations.revoked(_principal(sub="a1", token_generation=3))
    assert len(revocations) == 1


def test_an_integrators_tokens_end_by_the_applications_generation_but_platform_services_never() -> None:
    revocations = _list(
        client_revoked(source=SOURCE, client_id="bank", min_generation=1),
        client_revoked(source=SOURCE, client_id="data-sharing", min_generation=5),
    )
    integrator = {"account_type": "client", "roles": ["integrator"], "client_id": "bank"}
    assert revocations.revoked(_principal(sub="client:bank", token_generation=0, **integrator))
    assert not revocations.revoked(_principal(sub="client:bank", token_generation=1, **integrator))
    # A client fact does not touch an account of the same name, nor the reverse.
    assert not revocations.revoked(_principal(sub="bank", token_generation=0))
    service = {"account_type": "client", "roles": ["service"], "client_id": "data-sharing"}
    assert not revocations.revoked(_principal(sub="client:data-sharing", token_generation=0, **service))


def test_an_acting_token_ends_with_its_grant_or_the_acting_persons_generation() -> None:
    def acting(grant: str | None, tgen: str = "0", entity: str = "e1") -> Principal:
        actor = {"sub": "p1", "idn": "330122199001010011", "name": "经办人", "tgen": tgen, "role": "agent"}
        if grant is not None:
            actor["grant"] = grant
        return _principal(sub=entity, account_type="entity", token_generation=0, actor=actor)

    revocations = _list(grant_ended(source=SOURCE, entity_id="e1", grant_id=7))
    assert revocations.revoked(acting("7"))
    assert not revocations.revoked(acting("8"))  # authorised again: another grant
    assert not revocations.revoked(acting("7", entity="e2"))  # another entity's grant of that id
    assert not revocations.revoked(_principal(sub="e1", account_type="entity", token_generation=0))

    revocations.apply(account_revoked(source=SOURCE, account_id="p1", min_generation=1))
    assert revocations.revoked(acting("8", tgen="0"))  # the person changed their password
    assert not revocations.revoked(acting("8", tgen="1"))
    revocations.apply(account_revoked(source=SOURCE, account_id="e1", min_generation=1))
    assert revocations.revoked(acting("8", tgen="1"))  # the entity was taken over


def test_check_answers_401_token_revoked_and_503_until_the_list_is_read() -> None:
    revocations = _list(account_revoked(source=SOURCE, account_id="a1", min_generation=1))
    with pytest.raises(Unauthorized) as refused:
        revocations.check(_principal(sub="a1", token_generation=0))
    assert (refused.value.status, refused.value.code) == (401, "token_revoked")
    revocations.check(_principal(sub="a1", token_generation=1))

    revocations.following = True  # a feed fills it, and has not read the topic yet
    with pytest.raises(ServiceUnavailable) as unavailable:
        revocations.check(_principal(sub="a2"))
    assert unavailable.value.retry_after > 0
    revocations.caught_up.set()
    revocations.check(_principal(sub="a2"))


def test_other_events_and_malformed_facts_change_nothing() -> None:
    revocations = RevocationList()
    assert not revocations.apply(Event.new(type="gov.case.submitted", source="/x", subject="s", data={}))
    malformed = Event.new(type="gov.token.revoked", source=SOURCE, subject="account:a1", data={"account": "a1"})
    assert not revocations.apply(malformed)
    assert len(revocations) == 0


def test_the_feed_reads_the_whole_topic_before_it_is_caught_up_then_follows_it() -> None:
    bus = FakeBus()
    for n in range(50):
        _publish(bus, account_revoked(source=SOURCE, account_id=f"a{n}", min_generation=1))
    bus.publish(Topics.TOKEN, "junk", b"not an event")  # skipped, not fatal
    revocations = RevocationList()
    feed = RevocationFeed(bus=bus, revocations=revocations, service="test", poll_seconds=0.05)
    feed.start()
    try:
        assert feed.wait_caught_up(5.0)
        assert len(revocations) == 50  # everything from before the start, once caught up
        assert revocations.revoked(_principal(sub="a0", token_generation=0))

        _publish(bus, client_revoked(source=SOURCE, client_id="bank", min_generation=1))
        integrator = _principal(
            sub="client:bank", account_type="client", roles=["integrator"], client_id="bank", token_generation=0
        )
        deadline = time.monotonic() + 5.0
        while not revocations.revoked(integrator):
            assert time.monotonic() < deadline, "a fact published after the start was not followed"
            time.sleep(0.01)
    finally:
        feed.stop()
    assert bus.closed_readers == 1


def test_after_a_failure_the_feed_reads_the_topic_again_from_the_beginning() -> None:
    bus = FakeBus()
    _publish(bus, account_revoked(source=SOURCE, account_id="a1", min_generation=1))
    bus.fail_polls = 1
    revocations = RevocationList()
    feed = RevocationFeed(bus=bus, revocations=revocations, service="test", poll_seconds=0.05)
    feed.start()
    try:
        assert feed.wait_caught_up(5.0)
        assert bus.readers_opened == 2 and revocations.revoked(_principal(sub="a1", token_generation=0))
    finally:
        feed.stop()


def test_a_list_still_being_read_is_not_caught_up_and_stopping_ends_the_thread() -> None:
    bus = FakeBus()
    _publish(bus, account_revoked(source=SOURCE, account_id="a1", min_generation=1))
    bus.fail_polls = 10**6  # the broker is unreachable
    revocations = RevocationList()
    feed = RevocationFeed(bus=bus, revocations=revocations, service="test", poll_seconds=0.05)
    feed.start()
    assert revocations.following and not feed.wait_caught_up(0.3)
    with pytest.raises(ServiceUnavailable):
        revocations.check(_principal(sub="a2"))
    feed.stop()
    assert not any(t.name == "test-revocations" for t in threading.enumerate())


def _service(tmp_path: Path, bus: Bus, issuer: TokenIssuer) -> tuple[ServiceRuntime, FastAPI]:
    settings = ServiceSettings(environment="test", database_url=f"sqlite:///{tmp_path / 'svc.db'}", bus="local")
    verifier = TokenVerifier(issuer.jwks, issuer=issuer.issuer, audience=issuer.audience)
    runtime = ServiceRuntime(name="svc", settings=settings, verifier=verifier, bus=bus)
    messaging_metadata.create_all(runtime.db.engine)
    app = create_service_app(runtime, title="svc", description="a service")

    @app.get("/api/v1/whoami")
    def whoami(principal: CurrentPrincipal) -> dict[str, str]:
        return {"sub": principal.sub}

    return runtime, app


def test_a_service_refuses_a_token_revoked_on_the_bus_and_is_ready_once_it_has_read_them(tmp_path: Path) -> None:
    bus = LocalBus(str(tmp_path / "bus.db"))
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    before = _bearer(issuer, sub="a1", token_generation=0)
    _publish(bus, account_revoked(source=SOURCE, account_id="a0", min_generation=1))  # from before the start
    runtime, app = _service(tmp_path, bus, issuer)
    assert runtime.readiness()["revocations"] is False  # not started: nothing read
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["revocations"] is True
        assert client.get("/api/v1/whoami", headers=before).status_code == 200
        stale = _bearer(issuer, sub="a0", token_generation=0)
        assert client.get("/api/v1/whoami", headers=stale).json()["code"] == "token_revoked"

        _publish(bus, account_revoked(source=SOURCE, account_id="a1", min_generation=1))
        deadline = time.monotonic() + 5.0
        while (answer := client.get("/api/v1/whoami", headers=before)).status_code == 200:
            assert time.monotonic() < deadline, "a fact published after the start was not applied"
            time.sleep(0.02)
        assert answer.status_code == 401 and answer.json()["code"] == "token_revoked"
        after = _bearer(issuer, sub="a1", token_generation=1)
        assert client.get("/api/v1/whoami", headers=after).status_code == 200


def test_a_service_that_cannot_read_the_revocations_is_not_ready_and_answers_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "REVOCATIONS_CATCH_UP_SECONDS", 0.2)
    bus = FakeBus()
    _publish(bus, account_revoked(source=SOURCE, account_id="a0", min_generation=1))
    bus.fail_polls = 10**6  # the broker is unreachable
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    _runtime, app = _service(tmp_path, bus, issuer)
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["revocations"] is False
        refused = client.get("/api/v1/whoami", headers=_bearer(issuer, sub="a1", token_generation=0))
        assert refused.status_code == 503 and refused.headers["Retry-After"]


def test_stopping_the_feed_does_not_wait_out_its_poll(tmp_path: Path) -> None:
    # A poll of a minute: stop() joins the thread for at most 10 s, so the thread is still there
    # afterwards unless stop() woke the reader's poll (every service's stop paid the poll before).
    bus = LocalBus(str(tmp_path / "bus.db"))
    feed = RevocationFeed(bus=bus, revocations=RevocationList(), service="wake", poll_seconds=60.0)
    feed.start()
    assert feed.wait_caught_up(5.0)
    feed.stop()
    assert not any(t.name == "wake-revocations" for t in threading.enumerate())
