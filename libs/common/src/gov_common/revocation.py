"""Revoked tokens, known to every process (docs/identity.md, Revocation).

The gateway publishes on `gov.token.v1` (compacted) one fact per account, client application or
acting grant whose tokens are no longer valid; every process reads the whole topic from its
beginning at start and keeps following it (`RevocationFeed`, a broadcast reader: no consumer
group), and refuses the tokens those facts name (`RevocationList.check`, from `get_principal`).

Every fact is a lower bound (generations only grow, a grant once ended stays ended), so facts
applied twice, late or out of order never let an older token through and never refuse a current one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from prometheus_client import Histogram
from pydantic import ValidationError

from gov_common.auth import Principal
from gov_common.bus.base import Bus, Message
from gov_common.bus.follower import TopicFollower
from gov_common.contracts.events import TokenRevoked as Revocation
from gov_common.contracts.events import refusal
from gov_common.db import utcnow
from gov_common.errors import ServiceUnavailable, Unauthorized
from gov_common.events import Event, EventFormatError, EventTypes, Topics

log = logging.getLogger("gov_common.revocation")

REVOCATION_LAG = Histogram(
    "gov_token_revocation_lag_seconds",
    "From a revocation committed at the gateway to its application in this process's revocation list",
    ["service"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)


def account_revoked(*, source: str, account_id: str, min_generation: int) -> Event:
    """An account's tokens of a generation below `min_generation` (also as the acting person) end."""
    return Revocation(account=account_id, min_generation=min_generation).to_event(
        source=source, subject=f"account:{account_id}"
    )


def client_revoked(*, source: str, client_id: str, min_generation: int) -> Event:
    """A client application's tokens of a generation below `min_generation` end."""
    return Revocation(client_id=client_id, min_generation=min_generation).to_event(
        source=source, subject=f"client:{client_id}"
    )


def grant_ended(*, source: str, entity_id: str, grant_id: int) -> Event:
    """Tokens for the entity issued under the agent's authorisation `grant_id` (`act.grant`) end."""
    return Revocation(entity=entity_id, grant=str(grant_id)).to_event(
        source=source, subject=f"grant:{entity_id}:{grant_id}"
    )


class TokenRevoked(Unauthorized):
    code = "token_revoked"


def _generation(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


class RevocationList:
    """The facts read so far. `following` once a feed fills it; `caught_up` once the feed has read
    everything that was on the topic when it started."""

    def __init__(self) -> None:
        self._accounts: dict[str, int] = {}
        self._clients: dict[str, int] = {}
        self._grants: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.following = False
        self.caught_up = threading.Event()

    def __len__(self) -> int:
        with self._lock:
            return len(self._accounts) + len(self._clients) + len(self._grants)

    def apply(self, event: Event) -> bool:
        """Take in one fact; False (and nothing changes) for an event that is not one."""
        if event.type != EventTypes.TOKEN_REVOKED:
            return False
        try:
            fact = Revocation.of(event)
        except ValidationError as exc:
            log.warning("revocation %s does not fit its schema: %s", event.id, refusal(exc))
            return False
        generation = fact.min_generation
        with self._lock:
            if fact.account is not None and generation is not None:
                self._accounts[fact.account] = max(self._accounts.get(fact.account, 0), generation)
            elif fact.client_id is not None and generation is not None:
                self._clients[fact.client_id] = max(self._clients.get(fact.client_id, 0), generation)
            elif fact.entity is not None and fact.grant is not None:
                self._grants.add((fact.entity, fact.grant))
            else:
                return False
        return True

    def revoked(self, principal: Principal) -> bool:
        """Whether the facts read so far end this (verified) token."""
        if principal.is_service:
            return False  # the platform's own clients never leave the cluster
        generation = principal.token_generation or 0
        with self._lock:
            if principal.account_type == "client":
                return principal.client_id is not None and generation < self._clients.get(principal.client_id, 0)
            if generation < self._accounts.get(principal.sub, 0):
                return True
            actor = principal.actor
            if actor is None:
                return False
            # Acting for an entity: the person's own generation, and the grant they act under.
            if (_generation(actor.get("tgen")) or 0) < self._accounts.get(actor.get("sub", ""), 0):
                return True
            grant = actor.get("grant")
            return grant is not None and (principal.sub, grant) in self._grants

    def check(self, principal: Principal) -> None:
        """401 `token_revoked` for a revoked token; 503 while the list is still being read at start."""
        if self.following and not self.caught_up.is_set() and not principal.is_service:
            raise ServiceUnavailable("系统正在加载已注销凭证清单，请稍后重试", retry_after=2)
        if self.revoked(principal):
            raise TokenRevoked("登录凭证已失效：密码或密钥已更改、授权已撤回或应用已停用，请重新登录")


class RevocationFeed(TopicFollower):
    """A thread that reads `gov.token.v1` from its beginning into a RevocationList and follows it;
    on a failure it opens a new reader (which reads from the beginning again: facts are idempotent)."""

    def __init__(self, *, bus: Bus, revocations: RevocationList, service: str, poll_seconds: float = 0.5) -> None:
        super().__init__(bus=bus, topic=Topics.TOKEN, thread_name=f"{service}-revocations", poll_seconds=poll_seconds)
        self.revocations = revocations
        self.service = service

    def start(self) -> None:
        self.revocations.following = True
        super().start()

    def wait_caught_up(self, timeout: float) -> bool:
        return self.revocations.caught_up.wait(timeout)

    def on_caught_up(self) -> None:
        log.info("%s: revocation list read (%d facts)", self.service, len(self.revocations))
        self.revocations.caught_up.set()

    def handle(self, messages: Sequence[Message], *, caught_up: bool) -> None:
        for message in messages:
            self._apply(message.value)

    def _apply(self, raw: bytes) -> None:
        try:
            event = Event.decode(raw)
        except EventFormatError:
            log.warning("%s: a message on %s is not an event; skipped", self.service, Topics.TOKEN)
            return
        if not self.revocations.apply(event):
            log.warning("%s: event %s on %s is not a revocation; skipped", self.service, event.id, Topics.TOKEN)
            return
        if self.revocations.caught_up.is_set():
            REVOCATION_LAG.labels(self.service).observe(max(0.0, (utcnow() - event.time).total_seconds()))
