"""The load: an open-loop generator of instant-approval cases through the public API, and the reading of
each case's own timeline afterwards.

Open loop: request k of a step is due at start + k / rate and is sent then, whatever the platform
answered before (a closed loop would slow down with the platform and hide its queueing). Every
request is a task on one asyncio loop sharing one httpx.AsyncClient; at most `max_in_flight` are
outstanding (a request due beyond that is counted as `client_overflow`, never sent late). A submit's
latency runs from when it was due, so that a generator falling behind shows up in it rather than
hiding the platform's delay. Bodies and headers are built once; nothing is logged per request."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from tests.e2e.platform import BUSINESS_FORM, ITEM_INSTANT

CASE_BODY = json.dumps({"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}, ensure_ascii=False).encode()
TERMINAL = {"concluded", "denied", "rejected"}  # as service_management.cases.timeline
PROGRESS_SECONDS = 5.0
READ_CONCURRENCY = 16
READ_TIMEOUT = 5.0  # a timeline read; one that fails after the drain period settles its case as not concluded


@dataclass
class Submit:
    status: str  # "201", "503", ..., or "timeout", "client_overflow", an httpx error's name
    latency: float  # seconds from when the request was due to its answer
    case_no: str | None = None
    applicant: int = -1
    retry_after: bool = False


@dataclass
class CaseTimes:
    status: str
    submitted_at: float | None  # epoch seconds, from the timeline
    concluded_at: float | None
    approved_steps: int
    concluded_steps: int
    license_no: str | None


@dataclass
class StepLoad:
    rate: float
    seconds: float
    started_at: float  # epoch seconds
    ended_at: float
    submits: list[Submit] = field(default_factory=list)
    cases: dict[str, CaseTimes] = field(default_factory=dict)
    drain_deadline: float = 0.0  # epoch seconds: a case concluded later counts as not concluded
    max_lag: float = 0.0  # how far the generator fell behind its schedule, at most
    reading_cut_short: bool = False  # the run's deadline came before every timeline was read
    generator_cpu: float = 0.0  # CPU seconds the generator's process used while offering
    timeline_reads: int = 0  # GET /api/v1/cases/{no} the reading sent (a case not yet terminal is read again)


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


async def offer(
    client: httpx.AsyncClient,
    *,
    rate: float,
    seconds: float,
    headers: list[dict[str, str]],
    max_in_flight: int,
    label: str,
    log: Callable[[str], None],
) -> StepLoad:
    """Offers `rate` cases a second for `seconds`, open loop; returns when every request has its answer."""
    loop = asyncio.get_running_loop()
    total = max(1, round(rate * seconds))
    step = StepLoad(rate=rate, seconds=seconds, started_at=time.time(), ended_at=0.0)
    in_flight = 0
    counts: Counter[str] = Counter()

    async def submit(k: int, due: float) -> None:
        nonlocal in_flight
        who = k % len(headers)
        try:
            response = await client.post("/api/v1/cases", content=CASE_BODY, headers=headers[who])
            latency = loop.time() - due
            status = str(response.status_code)
            case_no = response.json()["case_no"] if response.status_code == 201 else None
            result = Submit(status, latency, case_no, who, "retry-after" in response.headers)
        except httpx.TimeoutException:
            result = Submit("timeout", loop.time() - due, None, who)
        except httpx.HTTPError as exc:
            result = Submit(type(exc).__name__, loop.time() - due, None, who)
        finally:
            in_flight -= 1
        step.submits.append(result)
        counts[result.status] += 1

    async def progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            elapsed = loop.time() - start
            answers = " ".join(f"{s}:{n}" for s, n in sorted(counts.items()))
            log(f"{label} t={elapsed:4.0f}s sent {sent}/{total} in flight {in_flight} answers {answers or '-'}")

    tasks: set[asyncio.Task[None]] = set()
    cpu = time.process_time()
    start = loop.time()
    sent = 0
    reporter = asyncio.create_task(progress())
    try:
        for k in range(total):
            due = start + k / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                step.max_lag = max(step.max_lag, -delay)
            if in_flight >= max_in_flight:
                step.submits.append(Submit("client_overflow", 0.0))
                counts["client_overflow"] += 1
                continue
            in_flight += 1
            sent += 1
            task = asyncio.create_task(submit(k, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        reporter.cancel()
    step.ended_at = time.time()
    step.generator_cpu = time.process_time() - cpu
    return step


async def read_timelines(
    client: httpx.AsyncClient,
    step: StepLoad,
    *,
    headers: list[dict[str, str]],
    drain_seconds: float,
    give_up_at: float,
    label: str,
    log: Callable[[str], None],
) -> None:
    """Reads each accepted case of the step through GET /api/v1/cases/{no} until it is terminal or the
    drain period after the step is over; a case read terminal only after that counts as not
    concluded (its timeline says when it concluded, so the reading's own pace does not matter): a case is
    settled when a read begun after the drain period finds it not terminal (or cannot read it). At
    `give_up_at` (epoch seconds; the run's deadline) it stops reading: the cases not read then count as
    not concluded, and the step says so."""
    step.drain_deadline = step.ended_at + drain_seconds
    pending = {s.case_no: s.applicant for s in step.submits if s.case_no}
    semaphore = asyncio.Semaphore(READ_CONCURRENCY)
    last_log = time.monotonic()

    async def read(case_no: str, who: int) -> None:
        async with semaphore:
            began = time.time()
            if began > give_up_at:
                step.reading_cut_short = True
                return
            step.timeline_reads += 1
            try:
                response = await client.get(f"/api/v1/cases/{case_no}", headers=headers[who], timeout=READ_TIMEOUT)
                case = response.json() if response.status_code == 200 else None
            except httpx.HTTPError:
                case = None
        if case is None or case["status"] not in TERMINAL:
            if began > step.drain_deadline:
                pending.pop(case_no, None)  # not concluded within the drain period (or unreadable then)
            return
        timeline = case["timeline"]
        submitted = next((_epoch(t["at"]) for t in timeline if t["status"] == "submitted"), None)
        concluded = next((_epoch(t["at"]) for t in timeline if t["status"] == "concluded"), None)
        step.cases[case_no] = CaseTimes(
            status=case["status"],
            submitted_at=submitted,
            concluded_at=concluded,
            approved_steps=sum(1 for t in timeline if t["status"] == "approved"),
            concluded_steps=sum(1 for t in timeline if t["status"] == "concluded"),
            license_no=case.get("license_no"),
        )
        pending.pop(case_no, None)

    while pending and not step.reading_cut_short:
        await asyncio.gather(*(read(no, who) for no, who in list(pending.items())))
        if time.monotonic() - last_log >= PROGRESS_SECONDS:
            log(f"{label} reading timelines: {len(step.cases)} terminal, {len(pending)} not yet")
            last_log = time.monotonic()
        if pending:
            await asyncio.sleep(min(1.0, max(0.0, step.drain_deadline - time.time()) + 0.01))


def step_figures(step: StepLoad) -> dict[str, Any]:
    """The figures of one step, as printed and written to the JSON."""
    attempts = len(step.submits)
    statuses = Counter(s.status for s in step.submits)
    accepted = statuses.get("201", 0)
    ok_latencies = sorted(s.latency for s in step.submits if s.status == "201")
    all_latencies = sorted(s.latency for s in step.submits if s.status != "client_overflow")
    refusals = [s for s in step.submits if s.status == "503"]
    concluded = sorted(
        c.concluded_at
        for c in step.cases.values()
        if c.status == "concluded" and c.concluded_at is not None and c.concluded_at <= step.drain_deadline
    )
    e2e = sorted(
        c.concluded_at - c.submitted_at
        for c in step.cases.values()
        if c.status == "concluded"
        and c.concluded_at is not None
        and c.submitted_at is not None
        and c.concluded_at <= step.drain_deadline
    )
    # The rate at which this step's cases concluded: n over the span from the first conclusion to the last,
    # or over the step's length if that is longer. A backlog stretches the span (a lagging platform shows
    # its real rate); a burst of late conclusions cannot raise it above what was offered.
    span = concluded[-1] - concluded[0] if concluded else 0.0
    concluded_rate = len(concluded) / max(step.seconds, span)
    return {
        "offered_rate": step.rate,
        "seconds": step.seconds,
        "attempts": attempts,
        "accepted": accepted,
        "accepted_per_second": round(accepted / step.seconds, 2),
        "concluded": len(concluded),
        "not_concluded": accepted - len(concluded),
        "concluded_per_second": round(concluded_rate, 2),
        "submit_p50_ms": _ms(_pct(ok_latencies, 50)),
        "submit_p99_ms": _ms(_pct(ok_latencies, 99)),
        "submit_max_ms": _ms(all_latencies[-1] if all_latencies else None),
        "e2e_p50_ms": _ms(_pct(e2e, 50)),
        "e2e_p99_ms": _ms(_pct(e2e, 99)),
        "failed_submits": attempts - accepted,
        "errors": {s: n for s, n in sorted(statuses.items()) if s != "201"},
        "refusal_503_p50_ms": _ms(_pct(sorted(s.latency for s in refusals), 50)),
        "refusal_503_p99_ms": _ms(_pct(sorted(s.latency for s in refusals), 99)),
        "refusal_503_without_retry_after": sum(1 for s in refusals if not s.retry_after),
        "generator_max_lag_ms": _ms(step.max_lag),
        "timeline_reading_cut_short": step.reading_cut_short,
        # The generator's own share of a core while it offered the step (it shares the machine).
        "generator_cpu_percent": round(100 * step.generator_cpu / max(1e-9, step.ended_at - step.started_at), 1),
    }


def _pct(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of sorted values."""
    if not values:
        return None
    rank = max(1, -(-len(values) * p // 100))
    return values[int(rank) - 1]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


async def read_again(client: httpx.AsyncClient, step: StepLoad, *, headers: list[dict[str, str]], count: int) -> int:
    """Reads up to `count` of the step's terminal cases once more, as `read_timelines` does (same
    concurrency): the platform's CPU for one timeline read, to take the bench's own reads off a step's CPU
    per case. The number read."""
    who = {s.case_no: s.applicant for s in step.submits if s.case_no}
    chosen = [no for no in step.cases if no in who][:count]
    semaphore = asyncio.Semaphore(READ_CONCURRENCY)

    async def read(case_no: str) -> None:
        async with semaphore:
            try:
                await client.get(f"/api/v1/cases/{case_no}", headers=headers[who[case_no]], timeout=READ_TIMEOUT)
            except httpx.HTTPError:
                pass

    await asyncio.gather(*(read(no) for no in chosen))
    return len(chosen)
