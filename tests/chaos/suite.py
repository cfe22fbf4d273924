"""One run of the fault-injection suite (docs/chaos.md): PostgreSQL and Kafka of its own (or, when it kills
only the platform's processes, given ones), the distributed platform on fresh databases and a fresh topic
namespace (tests/e2e/platform.py), a pool of applicants (tests/bench/harness.py), the steady load
(tests/chaos/load.py) while the faults run (tests/chaos/faults.py), then every case read until it reaches
its ending or 60 s have passed since the last recovery, the facts gathered and judged
(tests/chaos/checks.py). Everything it made is removed again, its own servers stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.bench.harness import Run, _libpq, machine, register_pool, resident_id
from tests.bench.load import READ_CONCURRENCY, TERMINAL, CaseTimes, StepLoad, Submit, _epoch, read_timelines
from tests.chaos import checks
from tests.chaos.checks import CaseFacts
from tests.chaos.faults import FaultRecord, FaultSpec, Injector
from tests.chaos.infra import OwnInfra
from tests.chaos.load import RETRY_BUDGET, Client, Submission, steady_load
from tests.e2e.platform import start_distributed

NO_FAULT = "no fault"
TEARDOWN_SECONDS = 40.0  # kept back from the deadline for the facts, the report and stopping everything
DEPARTMENTS = ("amr",)  # the instant-approval item's department; one business system keeps the machine free


@dataclass
class Options:
    faults: list[FaultSpec]
    label: str = "full"  # names the JSON (chaos-<label>-<time>.json, latest-<label>.json)
    rate: float = 3.0  # cases offered a second
    applicants: int = 10
    warmup: float = 10.0  # undisturbed load before the first fault
    gap: float = 10.0  # undisturbed load between a recovery and the next fault
    tail: float = 10.0  # load after the last recovery
    settle: float = 60.0  # every case has reached its ending this long after the last recovery
    seed: int = 14
    deadline: float = 600.0  # the whole run, start-up included
    infra: OwnInfra | None = None  # the suite's own servers (needed to kill them); else pg_url and kafka
    pg_url: str = ""
    kafka: str = ""
    work_dir: Path = Path()
    watchdog: bool = True  # outside pytest: stop everything and exit 60 s past the deadline


class ChaosRun(Run):
    """The bench's record of what a run made (tests/bench/harness.py), with databases named chaos_*."""

    def new_database(self, label: str, run_id: str) -> str:
        name = f"chaos_{run_id}_{label}"
        with psycopg.connect(_libpq(self.pg_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return f"{self.pg_url.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://")

    def cleanup(self) -> None:
        if self.platform is not None:
            for process in self.platform.processes:  # a paused process would not hear SIGTERM
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.popen.pid, signal.SIGCONT)
        with contextlib.suppress(Exception):  # a server left down: its own instance is stopped next anyway
            super().cleanup()


@dataclass
class Phase:
    label: str
    start: float  # epoch seconds: the fault's injection (the load's start for the first)
    record: FaultRecord | None = None
    attempts: Counter[str] = field(default_factory=Counter)


def phases(load_started: float, records: list[FaultRecord]) -> list[Phase]:
    """The run cut at each fault: a submission belongs to the fault under way when it was first offered."""
    out = [Phase(NO_FAULT, load_started)]
    for r in records:
        repeated = sum(1 for p in out if p.record is not None and p.record.label == r.label)
        out.append(Phase(r.label if not repeated else f"{r.label} #{repeated + 1}", r.injected_at, r))
    return out


def phase_of(ps: list[Phase], t: float | None) -> Phase:
    if t is None:
        return ps[-1]
    return next((p for p in reversed(ps) if p.start <= t), ps[0])


async def _read(client: httpx.AsyncClient, case_no: str, headers: dict[str, str]) -> dict[str, Any] | None:
    try:
        response = await client.get(f"/api/v1/cases/{case_no}", headers=headers, timeout=5)
    except httpx.HTTPError:
        return None
    return dict(response.json()) if response.status_code == 200 else None


def _http(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=10, limits=httpx.Limits(max_connections=READ_CONCURRENCY + 4))


async def _drive(
    options: Options, run: ChaosRun, injector: Injector, databases: dict[str, str], log: Callable[[str], None]
) -> dict[str, Any]:
    assert run.platform is not None
    base_url = run.platform.base_url
    async with _http(base_url) as http:
        headers = await register_pool(http, options.applicants, log)
    read_headers = [{"Authorization": h["Authorization"]} for h in headers]
    stop = asyncio.Event()
    client = Client(base_url)
    load_started = time.time()
    try:
        load = asyncio.create_task(
            steady_load(
                client,
                rate=options.rate,
                headers=headers,
                stop=stop,
                log=log,
                seed=options.seed,
                quiet_since=injector.quiet_since,
            )
        )
        try:
            last_recovery = await asyncio.to_thread(injector.run)
            log(f"last recovery; {options.tail:g}s more load")
            await asyncio.sleep(options.tail)
        finally:
            stop.set()
        load_ended = time.time()
        submissions = await load
    finally:
        await client.aclose()
    log(f"load over: {len(submissions)} submissions; reading every case until it ends")

    numbers = [resident_id(i) for i in range(options.applicants)]
    answered = {s.case_no: s for s in submissions if s.case_no}
    unanswered = checks.unanswered_cases(databases["sm"], numbers, set(answered))
    who = {no: s.applicant for no, s in answered.items()} | {no: numbers.index(n) for no, n in unanswered.items()}
    latest = max([last_recovery, *(s.accepted_at or 0.0 for s in submissions)])
    # The bench's reading (tests/bench/load.py): each case until it is terminal or `settle` seconds after the
    # last recovery or the last acceptance, whichever came later; each case is judged on its own deadline.
    step = StepLoad(rate=options.rate, seconds=load_ended - load_started, started_at=load_started, ended_at=latest)
    step.submits = [Submit("201", 0.0, no, applicant) for no, applicant in who.items()]
    async with _http(base_url) as http:  # a client of its own: the load's may have had a jammed pool
        await read_timelines(
            http,
            step,
            headers=read_headers,
            drain_seconds=options.settle,
            give_up_at=latest + options.settle + 30,
            label="endings",
            log=log,
        )
        # The cases not ended as expected: read once more for their last status and timeline.
        again = [no for no in who if no not in step.cases or step.cases[no].status != checks.ENDING]
        semaphore = asyncio.Semaphore(READ_CONCURRENCY)

        async def read_again(no: str) -> dict[str, Any] | None:
            async with semaphore:
                return await _read(http, no, read_headers[who[no]])

        last = dict(zip(again, await asyncio.gather(*(read_again(no) for no in again)), strict=True))
    due_by = {no: max(last_recovery, s.accepted_at or latest) + options.settle for no, s in answered.items()}
    due_by |= {no: latest + options.settle for no in unanswered}
    return {
        "submissions": submissions,
        "answered": answered,
        "unanswered": unanswered,
        "cases": step.cases,
        "last": last,
        "due_by": due_by,
        "load_started": load_started,
        "load_ended": load_ended,
        "last_recovery": last_recovery,
        "client_replaced": client.replaced,
        "reading_cut_short": step.reading_cut_short,
    }


def _facts(
    no: str, answered: bool, times: CaseTimes | None, last: dict[str, Any] | None, phase: str, due_by: float
) -> CaseFacts:
    facts = CaseFacts(case_no=no, phase=phase, answered=answered, due_by=due_by)
    if times is not None:
        facts.status = times.status
        facts.concluded_at = times.concluded_at
        facts.approved_steps = times.approved_steps
        facts.concluded_steps = times.concluded_steps
        facts.license_no = times.license_no
    if last is not None:
        facts.status = last["status"]
        facts.license_no = last.get("license_no")
        facts.timeline = [t["status"] for t in last.get("timeline", [])]
        facts.approved_steps = facts.timeline.count("approved")
        facts.concluded_steps = facts.timeline.count("concluded")
        concluded = [t["at"] for t in last.get("timeline", []) if t["status"] == "concluded"]
        facts.concluded_at = _epoch(concluded[0]) if concluded else None
    return facts


def run(options: Options, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole run; returns the report (without writing it)."""
    started = time.monotonic()
    must_end_by = time.time() + options.deadline
    run_id = uuid.uuid4().hex[:8]
    report: dict[str, Any] = {"label": options.label, "run_id": run_id}
    state = ChaosRun(pg_url=options.pg_url, kafka=options.kafka)

    def watchdog() -> None:
        log(f"HARD DEADLINE: {options.deadline + 60:.0f}s passed; stopping everything the suite started")
        try:
            state.cleanup()
            if options.infra is not None:
                options.infra.stop()
        finally:
            os._exit(3)

    timer = threading.Timer(options.deadline + 60, watchdog)
    timer.daemon = True
    if options.watchdog:
        timer.start()
    try:
        if options.infra is not None:
            t0 = time.monotonic()
            log(f"starting the suite's own PostgreSQL and Kafka ({options.infra.pg_url}, {options.infra.kafka})")
            options.infra.start()
            state.pg_url, state.kafka = options.infra.pg_url, options.infra.kafka
            report["infra_start_seconds"] = round(time.monotonic() - t0, 1)
        report["infra"] = {"own": options.infra is not None, "postgresql": state.pg_url, "kafka": state.kafka}
        report["machine"] = machine(state.pg_url)
        t0 = time.monotonic()
        databases = {name: state.new_database(name, run_id) for name in ["gw", "sm", "ds", "bs_amr"]}
        log(f"starting the distributed platform (databases chaos_{run_id}_*)")
        platform = start_distributed(options.work_dir, databases=databases, kafka=state.kafka, departments=DEPARTMENTS)
        state.platform, state.namespace = platform, platform.namespace
        report["start_seconds"] = round(time.monotonic() - t0, 1)
        log(
            f"platform up in {report['start_seconds']}s; {options.rate:g} cases/s; faults: "
            + ", ".join(f.label for f in options.faults)
        )
        injector = Injector(
            platform,
            options.infra,
            options.faults,
            warmup=options.warmup,
            gap=options.gap,
            log=log,
            seed=options.seed,
            must_end_by=must_end_by - options.tail - RETRY_BUDGET - options.settle - TEARDOWN_SECONDS,
        )
        out = asyncio.run(_drive(options, state, injector, databases, log))
        log("reading the run's events, dead letters, licences, notifications and work items")
        report.update(_judge(options, out, injector, state, databases))
    finally:
        timer.cancel()
        log("stopping the platform, dropping the suite's databases and topics")
        state.cleanup()
        if options.infra is not None:
            log("stopping the suite's own PostgreSQL and Kafka")
            options.infra.stop()
    report["duration_seconds"] = round(time.monotonic() - started, 1)
    return report


def _judge(
    options: Options, out: dict[str, Any], injector: Injector, state: ChaosRun, databases: dict[str, str]
) -> dict[str, Any]:
    submissions: list[Submission] = out["submissions"]
    ps = phases(out["load_started"], injector.records)
    cases: dict[str, CaseFacts] = {}
    for no, s in out["answered"].items():
        cases[no] = _facts(
            no, True, out["cases"].get(no), out["last"].get(no), phase_of(ps, s.due).label, out["due_by"][no]
        )
    for no in out["unanswered"]:
        times, last = out["cases"].get(no), out["last"].get(no)
        at = times.submitted_at if times else None
        cases[no] = _facts(no, False, times, last, phase_of(ps, at).label, out["due_by"][no])
    if cases:
        checks.database_facts(databases, cases)
        approvals, licences = checks.events_by_case(state.kafka, state.namespace, set(cases))
        for no, c in cases.items():
            c.approval_events, c.licence_events = approvals[no], licences[no]
    dead = checks.dead_letters(state.kafka, state.namespace)
    for s in submissions:
        for a in s.attempts:
            phase_of(ps, a.at + a.seconds).attempts[a.label] += 1  # when it was answered
    self_exits = [
        f"{e.process} at +{e.at - out['load_started']:.0f}s (status {e.returncode})" for e in injector.self_exits
    ]
    numbers = [resident_id(i) for i in range(options.applicants)]
    filings = checks.keyed_filings(databases["sm"], numbers)
    verdicts = checks.judge(list(cases.values()), submissions, dead, self_exits, filings)
    offered = Counter(phase_of(ps, s.due).label for s in submissions)
    rows = []
    for p in ps:
        mine = [c for c in cases.values() if c.phase == p.label]
        stuck = [c for c in mine if c.status not in TERMINAL]
        wrong = [c for c in mine if c.ending_problems()]
        rows.append(
            {
                "phase": p.label,
                "offered": offered[p.label],
                "accepted": len(mine),
                "unanswered": sum(1 for c in mine if not c.answered),
                "concluded": len(mine) - len(wrong),
                "stuck": len(stuck),
                "other": len(wrong) - len(stuck),
                "statuses": dict(sorted(p.attempts.items())),
                "down_seconds": p.record.down_seconds if p.record else None,
                "recovery_seconds": round(p.record.recovery_seconds, 1)
                if p.record and p.record.recovery_seconds is not None
                else None,
                "note": _note(p.record),
            }
        )
    statuses = Counter(c.status or "unread" for c in cases.values())
    return {
        "options": {
            "rate": options.rate,
            "applicants": options.applicants,
            "warmup": options.warmup,
            "gap": options.gap,
            "tail": options.tail,
            "settle": options.settle,
            "seed": options.seed,
            "deadline": options.deadline,
            "faults": [f.label for f in options.faults],
        },
        "faults": [r.as_dict() for r in injector.records],
        "notes": injector.notes,
        "phases": rows,
        "case_statuses": dict(statuses),
        "checks": [c.as_dict() for c in verdicts],
        "passed": all(c.passed for c in verdicts) and bool(cases),
        "self_exits": [e.as_dict() for e in injector.self_exits],
        "dead_letters": dead,
        "cases_not_ended_as_expected": [c.as_dict() for c in cases.values() if c.ending_problems()][:200],
        "load": {
            "submissions": len(submissions),
            "attempts": sum(len(s.attempts) for s in submissions),
            "seconds": round(out["load_ended"] - out["load_started"], 1),
            "last_recovery_after_seconds": round(out["last_recovery"] - out["load_started"], 1),
            "client_replaced_after_pool_timeout": out["client_replaced"],
            "timeline_reading_cut_short": out["reading_cut_short"],
        },
    }


def _note(record: FaultRecord | None) -> str:
    if record is None:
        return ""
    stopped = "" if record.shutdown_seconds is None else f"ended {record.shutdown_seconds:g}s after SIGTERM"
    return "; ".join(n for n in (stopped, record.note) if n)
