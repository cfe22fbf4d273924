"""`make bench`: the platform's throughput, measured as its users meet it (docs/benchmark.md).

One run: the machine's description; the bare Kafka + PostgreSQL chain on the same servers
(tests/bench/chain.py); the platform started exactly as the end-to-end tests start it
(tests/e2e/platform.py: distributed on fresh databases of the project's PostgreSQL and a fresh topic
namespace of its Kafka, or standalone); a pool of registered applicants; then steps of open-loop load
(tests/bench/load.py) up to saturation, an overload step and a low-rate recovery step; each step's
timelines read back through the API; in distributed mode the events a case produced and a check that
no case was handled twice, read from Kafka and the services' databases. Everything it made (databases,
topics, processes) is removed again; the figures go to test-output/bench/ as JSON and a chart."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from tests.bench import cpu, statements
from tests.bench.chain import ChainResult, run_chain
from tests.bench.load import READ_CONCURRENCY, StepLoad, offer, read_again, read_timelines, step_figures
from tests.e2e.platform import (
    Platform,
    Process,
    start_distributed,
    start_management_replica,
    start_replica,
    start_standalone,
)

ROOT = Path(__file__).resolve().parents[2]
APPLICANT_PASSWORD = "bench-secret-1"
# What the run keeps back from its deadline for the checks, the report and stopping everything.
TEARDOWN_SECONDS = 45.0
# How long the platform is watched with no load, for the CPU it spends idle (taken off the per-case figures).
IDLE_SECONDS = 5.0
CLIENT_POOLS = 20  # the load generator's HTTP clients, used in turn (RoundRobin)
# Cases of a step read once more to measure what one of the bench's timeline reads costs the platform.
READ_AGAIN = 200
# The dead letters of the departments' own case topics (Topics.department_cases), read by the bench's check.
DEPARTMENT_DEAD_LETTERS = ("gov.case.dept.amr.v1.dlt", "gov.case.dept.psb.v1.dlt")
# The weights and check characters of GB 11643 (the 18th character of a resident identity number).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id(i: int) -> str:
    """The i-th of a series of valid resident identity numbers (county 330122, adults born 1970-1999)."""
    year, day = 1970 + i % 30, 1 + (i // 30) % 28
    body = f"330122{year}{1 + (i // 840) % 12:02d}{day:02d}{(i * 7) % 1000:03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


@dataclass
class StepPlan:
    kind: str  # ramp, sustained, overload, recovery, smoke
    rate: float
    seconds: float


@dataclass
class Options:
    mode: str = "distributed"
    steps: list[StepPlan] = field(default_factory=list)
    overload_factor: float = 2.0
    overload_seconds: float = 15.0
    recovery_seconds: float = 20.0
    recovery_pause: float = 10.0
    stop_when_saturated: bool = True
    applicants: int = 20
    drain_seconds: float = 20.0
    timeout: float = 15.0
    max_in_flight: int = 1000
    deadline: float = 600.0
    chain_events: int = 30000
    chain_seconds: float = 20.0
    replicas: int = 1
    pg_url: str = ""
    kafka: str = ""
    work_dir: Path = Path()
    targets: bool = True


@dataclass
class Run:
    """What the run made, so that it can be removed whatever happens (also by the watchdog)."""

    pg_url: str
    kafka: str
    databases: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    platform: Platform | None = None
    namespace: str = ""
    cleaned: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_database(self, label: str, run_id: str) -> str:
        name = f"bench_{run_id}_{label}"
        with psycopg.connect(_libpq(self.pg_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return f"{self.pg_url.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://")

    def cleanup(self) -> None:
        with self.lock:
            if self.cleaned:
                return
            self.cleaned = True
        for process in reversed(self.processes):
            process.stop()
        if self.platform is not None:
            self.platform.stop()
        if self.namespace:
            admin = KafkaAdminClient(bootstrap_servers=self.kafka, client_id="bench")
            try:
                mine = [t for t in admin.list_topics() if t.startswith(self.namespace)]
                if mine:
                    admin.delete_topics(mine, raise_errors=False)
            finally:
                admin.close()
        if self.databases:
            with psycopg.connect(_libpq(self.pg_url), autocommit=True) as conn:
                for name in self.databases:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def machine(pg_url: str) -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    with psycopg.connect(_libpq(pg_url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    git = shutil.which("git")
    commit = (
        subprocess.run(
            [git, "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        if git
        else ""
    )
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu_model": model,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "postgresql": row[0] if row else "",
        "commit": commit,
    }


class RoundRobin:
    """The load generator's HTTP clients, each request on the next: `get` and `post` as httpx.AsyncClient's."""

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self._turn = itertools.cycle(clients)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await next(self._turn).get(url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await next(self._turn).post(url, **kwargs)


async def register_pool(client: httpx.AsyncClient, count: int, log: Callable[[str], None]) -> list[dict[str, str]]:
    """Registers `count` applicants (L1, numbers the demo registry does not know) and logs each in."""
    semaphore = asyncio.Semaphore(4)

    async def one(i: int) -> dict[str, str]:
        number = resident_id(i)
        async with semaphore:
            registered = await client.post(
                "/api/v1/auth/register",
                json={
                    "account_type": "person",
                    "id_number": number,
                    "name": "压测用户",
                    "phone": "13800138000",
                    "password": APPLICANT_PASSWORD,
                },
            )
            if registered.status_code not in (201, 409):
                raise RuntimeError(f"registering applicant {number}: {registered.status_code} {registered.text}")
            token = await client.post("/api/v1/auth/token", data={"username": number, "password": APPLICANT_PASSWORD})
            if token.status_code != 200:
                raise RuntimeError(f"logging applicant {number} in: {token.status_code} {token.text}")
        return {"Authorization": f"Bearer {token.json()['access_token']}", "Content-Type": "application/json"}

    started = time.monotonic()
    headers = await asyncio.gather(*(one(i) for i in range(count)))
    log(f"registered {count} applicants in {time.monotonic() - started:.1f}s")
    return list(headers)


def saturated(figures: dict[str, Any]) -> bool:
    """Clearly saturated: failed submits (over 1 %), cases not concluded in the drain period (over 2 %),
    or concluding under 90 % of the offered rate."""
    return bool(
        figures["failed_submits"] > 0.01 * figures["attempts"]
        or figures["not_concluded"] > 0.02 * max(1, figures["accepted"])
        or figures["concluded_per_second"] < 0.9 * figures["offered_rate"]
    )


async def load_phase(
    options: Options,
    platform: Platform,
    deadline: float,
    log: Callable[[str], None],
    replicas: list[Process] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The steps, in order; returns each step's figures and the notes on the steps left out."""
    components: dict[str, list[int]] = {}
    for process in [*platform.processes, *(replicas or [])]:
        components.setdefault(process.name, []).append(process.popen.pid)
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    # Statements per case: each service's own database (distributed mode only; standalone has one SQLite file).
    counter = statements.StatementCounter(options.pg_url, platform.databases) if platform.databases else None
    if counter is not None and counter.unavailable:
        notes.append(
            f"no database statements per case: pg_stat_statements is not available ({counter.unavailable}); "
            "scripts/infra/postgres.sh loads it when it starts the server (stop and start a server it started before)"
        )
        log(notes[-1])
    async with contextlib.AsyncExitStack() as clients:
        # Several pools, not one of ~1,000 connections: httpcore's pool does work per request that grows
        # with its connections, which at 100 offered/s made the bench's own loop the slowest part.
        per = max(1, -(-(options.max_in_flight + READ_CONCURRENCY) // CLIENT_POOLS))
        pools = [
            await clients.enter_async_context(
                httpx.AsyncClient(
                    base_url=platform.base_url,
                    timeout=options.timeout,
                    limits=httpx.Limits(max_connections=per, max_keepalive_connections=per),
                )
            )
            for _ in range(CLIENT_POOLS)
        ]
        client: Any = RoundRobin(pools)
        headers = await register_pool(client, options.applicants, log)
        idle_statements = counter.sample() if counter else {}
        idle_started = time.monotonic()
        idle = await asyncio.to_thread(cpu.idle_rate, components, IDLE_SECONDS)
        idle_statements = statements.rates(
            idle_statements, counter.sample() if counter else {}, time.monotonic() - idle_started
        )
        log("idle CPU, % of a core: " + " ".join(f"{n} {100 * v:.1f}" for n, v in sorted(idle.items())))
        read_headers = [{"Authorization": h["Authorization"]} for h in headers]

        async def run_step(plan: StepPlan) -> dict[str, Any] | None:
            projected = plan.seconds + options.drain_seconds + (plan.rate * plan.seconds + READ_AGAIN) / 150 + 5
            if time.monotonic() + projected > deadline - TEARDOWN_SECONDS:
                notes.append(f"{plan.kind} step at {plan.rate:g}/s left out: it would not end before the deadline")
                log(notes[-1])
                return None
            label = f"step {len(results) + 1} ({plan.kind} {plan.rate:g}/s x {plan.seconds:g}s)"
            log(f"{label}: offering")
            cpu_before, cpu_started = cpu.sample(components), time.monotonic()
            statements_before = counter.sample() if counter else {}
            step = await offer(
                client,
                rate=plan.rate,
                seconds=plan.seconds,
                headers=headers,
                max_in_flight=options.max_in_flight,
                label=label,
                log=log,
            )
            await read_timelines(
                client,
                step,
                headers=read_headers,
                drain_seconds=options.drain_seconds,
                give_up_at=time.time() + (deadline - TEARDOWN_SECONDS - time.monotonic()),
                label=label,
                log=log,
            )
            if step.reading_cut_short:
                notes.append(f"{label}: the deadline came before every timeline was read (counted not concluded)")
                log(notes[-1])
            cpu_after, cpu_seconds = cpu.sample(components), time.monotonic() - cpu_started
            used_statements = statements.spent(statements_before, counter.sample() if counter else {})
            figures = {"kind": plan.kind, **step_figures(step), "saturated": False}
            # The bench's own GET /api/v1/cases/{no} (at least one per case) are not the platform's work on the
            # case: their CPU and statements, measured by reading some of the cases once more, are taken off.
            read_cost, read_statements = await _read_cost(client, step, read_headers, components, idle, counter)
            figures["timeline_reads"] = step.timeline_reads
            figures["cpu_ms_per_timeline_read"] = {k: round(1000 * v, 2) for k, v in read_cost.items()}
            figures["cpu_ms_per_case"] = cpu.per_case(
                cpu_before,
                cpu_after,
                figures["concluded"],
                cpu_seconds,
                idle,
                less={k: v * step.timeline_reads for k, v in read_cost.items()},
            )
            figures["statements_per_case"] = statements.per_case(
                used_statements,
                figures["concluded"],
                idle=idle_statements,
                seconds=cpu_seconds,
                less={k: statements.Counts(*(x * step.timeline_reads for x in v)) for k, v in read_statements.items()},
            )
            figures["saturated"] = saturated(figures)
            figures["_cases"] = step.cases
            results.append(figures)
            log(f"{label}: {summary_line(figures)}")
            if figures["cpu_ms_per_case"]:
                read_all = sum(figures["cpu_ms_per_timeline_read"].values())
                log(
                    f"{label}: CPU ms per concluded case: {cpu_line(figures['cpu_ms_per_case'])} "
                    f"(net of the bench's {step.timeline_reads} timeline reads, {read_all:.1f} ms each)"
                )
            if figures["statements_per_case"]:
                log(
                    f"{label}: database statements (transactions) per concluded case: "
                    + " ".join(f"{n} {v[0]:g} ({v[1]:g})" for n, v in figures["statements_per_case"].items())
                )
            return figures

        top = 0.0
        hit = False
        for plan in [p for p in options.steps if p.kind in ("ramp", "sustained", "smoke")]:
            figures = await run_step(plan)
            if figures is None:
                continue
            top = max(top, plan.rate)
            if figures["saturated"] and options.stop_when_saturated and plan.kind != "smoke":
                hit = True
                rest = [p for p in options.steps if p.kind in ("ramp", "sustained")]
                left = rest[rest.index(plan) + 1 :]
                if left:
                    notes.append(
                        f"saturated at {plan.rate:g}/s: left out the steps at "
                        + ", ".join(f"{p.rate:g}/s" for p in left)
                    )
                    log(notes[-1])
                break
        if options.overload_factor > 0 and top > 0:
            rate = round(top * options.overload_factor, 1)
            why = "above the saturated step" if hit else "above the highest step"
            log(f"overload step at {rate:g}/s ({options.overload_factor:g} x {top:g}/s, {why})")
            await run_step(StepPlan("overload", rate, options.overload_seconds))
        if options.recovery_seconds > 0 and results:
            low = min(p.rate for p in options.steps if p.kind in ("ramp", "sustained"))
            log(f"pause {options.recovery_pause:g}s, then the recovery step at {low:g}/s")
            await asyncio.sleep(options.recovery_pause)
            await run_step(StepPlan("recovery", low, options.recovery_seconds))
    return results, notes


def summary_line(f: dict[str, Any]) -> str:
    errors = " ".join(f"{s}:{n}" for s, n in f["errors"].items()) or "none"
    return (
        f"accepted {f['accepted_per_second']:.1f}/s concluded {f['concluded_per_second']:.1f}/s "
        f"submit p50/p99 {_fmt(f['submit_p50_ms'])}/{_fmt(f['submit_p99_ms'])} ms "
        f"e2e p50/p99 {_fmt(f['e2e_p50_ms'])}/{_fmt(f['e2e_p99_ms'])} ms "
        f"not concluded {f['not_concluded']} errors {errors} (generator {f['generator_cpu_percent']:.0f} % of a core)"
        + (" SATURATED" if f["saturated"] else "")
    )


async def _read_cost(
    client: httpx.AsyncClient,
    step: StepLoad,
    headers: list[dict[str, str]],
    components: dict[str, list[int]],
    idle: dict[str, float],
    counter: statements.StatementCounter | None,
) -> tuple[dict[str, float], dict[str, statements.Counts]]:
    """CPU seconds and database statements per component for one timeline read: up to READ_AGAIN of the
    step's cases read once more."""
    before, started = cpu.sample(components), time.monotonic()
    counted = counter.sample() if counter else {}
    read = await read_again(client, step, headers=headers, count=READ_AGAIN)
    counted = statements.spent(counted, counter.sample() if counter else {})
    after, seconds = cpu.sample(components), time.monotonic() - started
    if not read:
        return {}, {}
    return (
        {name: used / read for name, used in cpu.spent(before, after, seconds, idle).items()},
        {name: statements.Counts(c.statements / read, c.transactions / read) for name, c in counted.items()},
    )


def cpu_line(per_case: dict[str, float]) -> str:
    return " ".join(f"{name} {ms:g}" for name, ms in sorted(per_case.items(), key=lambda kv: -kv[1]))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def read_topic(kafka: str, topic: str) -> list[dict[str, Any]]:
    """Every message of a topic from its beginning (outside any group); none if it does not exist."""
    consumer = KafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False, client_id="bench-reader")
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        out: list[dict[str, Any]] = []
        while any(consumer.position(tp) < end[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000, max_records=5000).values():
                for record in records:
                    try:
                        out.append(json.loads(record.value))
                    except ValueError:
                        out.append({"type": "not-json"})
        return out
    finally:
        consumer.close()


def event_check(
    kafka: str, namespace: str, steps: list[dict[str, Any]], databases: dict[str, str], replicas: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The events a concluded case produced on gov.case.v1 and gov.license.v1 (read back from Kafka), and the
    check that no case was handled twice: per concluded case exactly one approval and one licence, in its
    timeline (read through the API), on Kafka (distinct event ids) and in the databases of data-sharing
    (licences) and the amr business system (work items); and no dead letter."""
    cases = {no: c for s in steps for no, c in s["_cases"].items() if c.status == "concluded"}
    case_events = read_topic(kafka, f"{namespace}gov.case.v1")
    licence_events = read_topic(kafka, f"{namespace}gov.license.v1")
    dead = {
        t: len(read_topic(kafka, f"{namespace}{t}"))
        for t in ("gov.case.v1.dlt", "gov.license.v1.dlt", "gov.data.v1.dlt", *DEPARTMENT_DEAD_LETTERS)
    }
    ids: dict[str, set[str]] = defaultdict(set)
    by_type: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in case_events + licence_events:
        data = event.get("data")
        subject = str(event.get("subject"))
        no = subject if subject in cases else str(data.get("case_no")) if isinstance(data, dict) else ""
        if no in cases:
            ids[no].add(str(event.get("id")))
            by_type[(no, str(event.get("type")))].add(str(event.get("id")))
    n = len(cases)
    types: Counter[str] = Counter()
    for (_, kind), seen in by_type.items():
        types[kind] += len(seen)
    per_case = {
        "concluded_cases": n,
        "events_per_case": round(sum(len(v) for v in ids.values()) / n, 2) if n else None,
        "by_type_per_case": {k: round(v / n, 2) for k, v in sorted(types.items())} if n else {},
        "topics": ["gov.case.v1", "gov.license.v1"],
    }
    numbers = sorted(cases)
    with psycopg.connect(_libpq(databases["ds"])) as conn:
        licences: dict[str, int] = dict(
            conn.execute(
                "SELECT case_no, count(*) FROM licenses WHERE case_no = ANY(%s) GROUP BY case_no", (numbers,)
            ).fetchall()
        )
    with psycopg.connect(_libpq(databases["bs_amr"])) as conn:
        rows = conn.execute(
            "SELECT case_no, status, received_by FROM work_items WHERE case_no = ANY(%s)", (numbers,)
        ).fetchall()
    items: Counter[str] = Counter(r[0] for r in rows)
    approved_items = Counter(r[0] for r in rows if r[1] == "approved")
    instances = Counter(str(r[2]) for r in rows)
    problems: dict[str, int] = {
        "timeline_not_one_approved_step": sum(1 for c in cases.values() if c.approved_steps != 1),
        "timeline_not_one_concluded_step": sum(1 for c in cases.values() if c.concluded_steps != 1),
        "kafka_not_one_approval_event": sum(1 for no in cases if len(by_type[(no, "gov.case.approved")]) != 1),
        "kafka_not_one_licence_event": sum(1 for no in cases if len(by_type[(no, "gov.license.issued")]) != 1),
        "data_sharing_not_one_licence": sum(1 for no in cases if licences.get(no, 0) != 1),
        "amr_not_one_approved_work_item": sum(
            1 for no in cases if items.get(no, 0) != 1 or approved_items.get(no, 0) != 1
        ),
        "dead_letters": sum(dead.values()),
    }
    admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="bench")
    try:
        groups = [f"{namespace}service-management", f"{namespace}business-systems.amr"]
        described = admin.describe_groups(groups)
        members = {g.removeprefix(namespace): len(described.get(g, {}).get("members") or []) for g in groups}
    finally:
        admin.close()
    check = {
        "replicas": replicas,
        "consumer_group_members": members,
        "cases_checked": n,
        "read_from": "case timelines (GET /api/v1/cases/{no}), Kafka gov.case.v1/gov.license.v1 (distinct event "
        "ids of gov.case.approved and gov.license.issued), their .dlt topics and those of the departments' "
        "topics, data-sharing's licenses table, the amr business system's work_items table",
        "problems": problems,
        "work_items_by_instance": dict(instances),
        "passed": n > 0 and not any(problems.values()),
    }
    return per_case, check


def run(options: Options, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole benchmark; returns the report (without writing it)."""
    started = time.monotonic()
    deadline = started + options.deadline
    run_id = uuid.uuid4().hex[:8]
    state = Run(pg_url=options.pg_url, kafka=options.kafka)
    report: dict[str, Any] = {"mode": options.mode, "run_id": run_id, "replicas": options.replicas}
    report["machine"] = machine(options.pg_url)
    m = report["machine"]
    log(
        f"machine: {m['cores']} cores, {m['ram_gib']} GiB, {m['cpu_model']}, load {m['load_average_at_start']}, "
        f"PostgreSQL {m['postgresql']}, commit {m['commit']}"
    )

    def watchdog() -> None:
        log(f"HARD DEADLINE: {options.deadline + 60:.0f}s passed; stopping everything the bench started")
        try:
            state.cleanup()
        finally:
            os._exit(3)

    timer = threading.Timer(options.deadline + 60, watchdog)
    timer.daemon = True
    timer.start()
    try:
        chain: ChainResult | None = None
        if options.chain_events > 0:
            log(f"bare chain: {options.chain_events} events through 4 stages, at most {options.chain_seconds:g}s")
            chain = run_chain(
                pg_admin_url=options.pg_url,
                kafka=options.kafka,
                events=options.chain_events,
                seconds=options.chain_seconds,
                run=run_id,
                log=log,
                log_dir=options.work_dir / "chain",
            )
            log(f"bare chain: {chain.events_per_second:.0f} events/s out of the 4th stage")
        report["chain"] = chain.as_dict() if chain else None

        t0 = time.monotonic()
        if options.mode == "distributed":
            databases = {name: state.new_database(name, run_id) for name in ["gw", "sm", "ds", "bs_amr", "bs_psb"]}
            log(f"starting the distributed platform (databases bench_{run_id}_*)")
            platform = start_distributed(options.work_dir, databases=databases, kafka=options.kafka)
            state.namespace = platform.namespace
        else:
            log("starting the standalone platform")
            platform = start_standalone(options.work_dir)
        state.platform = platform
        if options.replicas > 1:
            for r in range(2, options.replicas + 1):
                state.processes.append(start_replica(platform, options.work_dir, "amr", r))
                state.processes.append(start_management_replica(platform, options.work_dir, r))
        report["start_seconds"] = round(time.monotonic() - t0, 1)
        log(f"platform up in {report['start_seconds']}s ({len(platform.processes) + len(state.processes)} processes)")

        steps, notes = asyncio.run(load_phase(options, platform, deadline, log, state.processes))
        report["notes"] = notes
        if options.mode == "distributed" and steps:
            log("reading the run's events back from Kafka and checking that no case was handled twice")
            per_case, check = event_check(
                options.kafka, platform.namespace, steps, platform.databases, options.replicas
            )
            report["events"] = per_case
            report["handled_once"] = check
        else:
            report["events"] = None
            report["handled_once"] = None
        for s in steps:
            s.pop("_cases")
        report["steps"] = steps
    finally:
        timer.cancel()
        log("stopping the platform, dropping the bench's databases and topics")
        state.cleanup()
    report["duration_seconds"] = round(time.monotonic() - started, 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def remove_work_dir(work_dir: Path) -> None:
    shutil.rmtree(work_dir, ignore_errors=True)
