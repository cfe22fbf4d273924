"""The steady load under faults: instant-approval cases offered through the public API at a fixed rate, open
loop (tests/bench/load.py's request body and pacing), each retried as a client would until it is accepted.

Submission k is due at start + k / rate and is sent then, whatever happened before. It is retried after a
503 (after its Retry-After, at most RETRY_AFTER_CAP seconds), a 5xx, a refused or broken connection or a
timeout (backing off from 0.5 s to 5 s, with jitter so that the waiting clients do not come back all at once),
until it gets its 201 or RETRY_BUDGET seconds have passed since it was due and since the platform last
recovered from a fault (never during one: a client in front of an honest 503 keeps coming back, and a
submission caught by two faults in a row still has its budget after the second); a 4xx other than 429 ends it.
Every attempt is kept (when, what answered, whether a 503 said Retry-After), so that the report can say
which answers each fault caused. Each submission carries an Idempotency-Key of its own, the same on every
attempt, so a resend after a broken connection or a 502/504 `outcome_unknown` answers with the case the
first attempt filed, if it did (docs/operations.md, "During outages"); the suite checks from
service-management's database that no submission filed two cases, and holds any case whose 201 never came
to the same ending.

At most CONCURRENT_ATTEMPTS requests are outstanding, fewer than the client's connections: httpcore 1.0.9
leaks a pool slot when a request times out while others wait for a connection (encode/httpcore#1093), and a
pool jammed that way answers PoolTimeout for every request thereafter, which would be the generator's
fault, not the platform's. Should a PoolTimeout still happen, the client is replaced."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.bench.load import CASE_BODY, PROGRESS_SECONDS

RETRY_BUDGET = 60.0  # seconds after it was due, and after the last fault's recovery, that a submission is retried
RETRY_AFTER_CAP = 5.0
REQUEST_TIMEOUT = 10.0
CONCURRENT_ATTEMPTS = 64
# The gateway's answer when it sent a whole POST and got none back (docs/operations.md, "During outages").
OUTCOME_UNKNOWN = "outcome_unknown"


@dataclass
class Attempt:
    at: float  # epoch seconds, when it was sent
    status: str  # "201", "503", "500", ..., or an httpx error's name ("ConnectError", "ReadTimeout", ...)
    retry_after: bool  # a 503 (or 429) that said when to come back
    seconds: float  # until its answer

    @property
    def label(self) -> str:
        """How the report names it: a 503 without Retry-After is told apart."""
        missing = self.status in ("503", "429") and not self.retry_after
        return f"{self.status} (no Retry-After)" if missing else self.status


@dataclass
class Submission:
    index: int
    applicant: int
    due: float  # epoch seconds
    attempts: list[Attempt] = field(default_factory=list)
    case_no: str | None = None
    # "accepted", "gave up" (budget spent), "refused" (a 4xx). A 502/504 `outcome_unknown` (the gateway sent
    # the whole request and got no answer, so the case may be filed) is resent with the same key.
    ended: str = ""
    key: str = field(default_factory=lambda: f"chaos-{uuid.uuid4().hex}")  # its Idempotency-Key

    @property
    def accepted_at(self) -> float | None:
        """When its 201 came (epoch seconds)."""
        last = self.attempts[-1] if self.attempts else None
        return last.at + last.seconds if last is not None and last.status == "201" else None


class Client:
    """One httpx.AsyncClient for the load, replaced when its pool jams (see the module's docstring)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = self._new()
        self.replaced = 0
        self._old: list[httpx.AsyncClient] = []

    def _new(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=CONCURRENT_ATTEMPTS + 16, max_keepalive_connections=CONCURRENT_ATTEMPTS)
        return httpx.AsyncClient(base_url=self.base_url, timeout=REQUEST_TIMEOUT, limits=limits)

    def replace(self, jammed: httpx.AsyncClient) -> None:
        if self.http is jammed:
            self._old.append(self.http)
            self.http = self._new()
            self.replaced += 1

    async def aclose(self) -> None:
        for client in [self.http, *self._old]:
            await client.aclose()


def _problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("code")) if isinstance(body, dict) else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None


def _no_faults() -> float:
    return 0.0


async def submit_until_accepted(
    client: Client,
    s: Submission,
    headers: dict[str, str],
    slots: asyncio.Semaphore,
    rng: random.Random,
    quiet_since: Callable[[], float] = _no_faults,
) -> None:
    """Sends one submission until it ends (see the module's docstring); `quiet_since` tells since when (epoch
    seconds) no fault has been in progress."""
    loop = asyncio.get_running_loop()
    failures = 0
    headers = {**headers, "Idempotency-Key": s.key}
    while True:
        async with slots:
            http = client.http
            sent, t0 = time.time(), loop.time()
            try:
                response = await http.post("/api/v1/cases", content=CASE_BODY, headers=headers)
            except httpx.HTTPError as exc:  # refused, reset, timed out: as a client, ask again
                response = None
                s.attempts.append(Attempt(sent, type(exc).__name__, False, loop.time() - t0))
                if isinstance(exc, httpx.PoolTimeout):
                    client.replace(http)
        failures += 1
        if response is None:
            pause = min(5.0, 0.5 * 2 ** (failures - 1))
        else:
            after = _retry_after(response)
            status = str(response.status_code)
            if response.status_code in (502, 504) and _problem_code(response) == OUTCOME_UNKNOWN:
                status = f"{status} {OUTCOME_UNKNOWN}"
            s.attempts.append(Attempt(sent, status, after is not None, loop.time() - t0))
            if response.status_code == 201:
                s.case_no = str(response.json()["case_no"])
                s.ended = "accepted"
                return
            if 400 <= response.status_code < 500 and response.status_code != 429:
                s.ended = "refused"
                return
            pause = min(after, RETRY_AFTER_CAP) if after is not None else min(5.0, 0.5 * 2 ** (failures - 1))
        pause *= rng.uniform(1.0, 1.5)
        if time.time() + pause > max(s.due, quiet_since()) + RETRY_BUDGET:
            s.ended = "gave up"
            return
        await asyncio.sleep(pause)


async def steady_load(
    client: Client,
    *,
    rate: float,
    headers: list[dict[str, str]],
    stop: asyncio.Event,
    log: Callable[[str], None],
    seed: int = 0,
    quiet_since: Callable[[], float] = _no_faults,
) -> list[Submission]:
    """Offers `rate` cases a second until `stop` is set; returns every submission once each has ended."""
    loop = asyncio.get_running_loop()
    submissions: list[Submission] = []
    tasks: set[asyncio.Task[None]] = set()
    slots = asyncio.Semaphore(CONCURRENT_ATTEMPTS)
    rng = random.Random(seed)
    start, epoch = loop.time(), time.time()

    async def progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            ended: dict[str, int] = {}
            for s in submissions:
                ended[s.ended or "in flight"] = ended.get(s.ended or "in flight", 0) + 1
            log(
                f"load t={loop.time() - start:4.0f}s offered {len(submissions)} "
                + " ".join(f"{k}:{v}" for k, v in sorted(ended.items()))
            )

    reporter = asyncio.create_task(progress())
    try:
        k = 0
        while not stop.is_set():
            delay = start + k / rate - loop.time()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                    break
                except TimeoutError:
                    pass
            s = Submission(index=k, applicant=k % len(headers), due=epoch + k / rate)
            submissions.append(s)
            k += 1
            task = asyncio.create_task(submit_until_accepted(client, s, headers[s.applicant], slots, rng, quiet_since))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        reporter.cancel()
    return submissions
