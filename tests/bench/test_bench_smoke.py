"""The smoke run of `make bench` in `make test`, so that the benchmark keeps working: `python -m tests.bench
--smoke` (a distributed platform of its own, a few seconds at 5 cases/s, the bare chain on a few hundred
events) must finish, measure something real and leave none of its databases behind. It checks no
throughput target (those are the benchmark's to report, docs/benchmark.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.bench import cpu, statements
from tests.bench.harness import resident_id, saturated
from tests.bench.report import shedding, targets
from tests.bench.statements import Counts
from tests.e2e.platform import ADULTS

ROOT = Path(__file__).resolve().parents[2]


def test_generated_identity_numbers_carry_the_gb_11643_check_digit() -> None:
    # The same rule gives the known-good numbers of the e2e suites their check characters.
    from stdnum.cn import ric

    numbers = [resident_id(i) for i in range(200)]
    assert len(set(numbers)) == len(numbers)
    assert all(ric.is_valid(n) for n in numbers + ADULTS)
    assert all(ric.calc_check_digit(n[:17] + "0") == n[17] for n in numbers)


def test_smoke_run_measures_the_platform_and_the_chain_and_cleans_up(
    tmp_path: Path, pg_admin_url: str, kafka_bootstrap: str
) -> None:
    output = tmp_path / "bench"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench",
            "--smoke",
            "--pg-url",
            pg_admin_url,
            "--kafka",
            kafka_bootstrap,
            "--output",
            str(output),
            "--work-dir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=440,  # the smoke run's own deadline is 360 s (a stalled group join included), its watchdog's 420 s
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "platform up in" in done.stdout and "accepted" in done.stdout  # progress lines
    report = json.loads((output / "latest-distributed.json").read_text())
    assert (output / "latest-distributed.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    [step] = report["steps"]
    assert step["attempts"] == 20 and step["accepted"] > 0 and step["concluded"] > 0
    assert step["e2e_p50_ms"] > 0 and step["submit_p50_ms"] > 0
    # The CPU per case is net of the bench's own timeline reads, each measured by reading the cases again.
    assert step["timeline_reads"] >= step["concluded"]
    assert step["cpu_ms_per_timeline_read"]["service-management"] > 0
    assert step["cpu_ms_per_case"]["all"] > 0
    # The project's PostgreSQL loads pg_stat_statements (scripts/infra/postgres.sh): every case files, decides,
    # issues and concludes in its own databases, in statements and in at least one transaction somewhere.
    # (A server of one's own, GOV_PG_ADMIN_URL, may not load it: the run then says so in a note.)
    statements = step["statements_per_case"]
    if not os.environ.get("GOV_PG_ADMIN_URL"):
        assert statements is not None, report["notes"]
        for service in ("service-management", "data-sharing", "business-systems-amr"):
            assert statements[service][0] >= 3, statements
        # Transactions are there; not a whole one per case: over a few seconds of 5 cases/s the services' idle
        # commits (relays, heartbeats), taken off at their idle rate, weigh as much as the cases' own.
        assert statements["all"][1] > 0, statements
        assert "database statements (transactions) per concluded case" in done.stdout
    assert report["chain"]["events_out"] > 0 and report["chain"]["events_per_second"] > 0
    assert report["events"]["events_per_case"] >= 3  # at least accepted, approved, licence issued ...
    assert report["ratio"]["ratio"] > 0
    assert report["handled_once"]["passed"], report["handled_once"]
    assert report["machine"]["cores"] >= 1 and report["targets"] == []
    with psycopg.connect(pg_admin_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"bench_{report['run_id']}_%",)
        ).fetchall()
    assert left == []


def _step(kind: str, rate: float, **figures: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": kind,
        "offered_rate": rate,
        "seconds": 20.0,
        "attempts": int(rate * 20),
        "accepted": int(rate * 20),
        "concluded": int(rate * 20),
        "not_concluded": 0,
        "concluded_per_second": rate,
        "failed_submits": 0,
        "errors": {},
        "submit_p99_ms": 80.0,
        "submit_max_ms": 120.0,
        "e2e_p99_ms": 600.0,
        "refusal_503_p99_ms": None,
        "refusal_503_without_retry_after": 0,
    }
    base.update(figures)
    base["saturated"] = saturated(base)
    return base


def test_targets_pass_fail_and_not_run_from_the_figures() -> None:
    steps = [
        _step("ramp", 50),
        _step("sustained", 100, seconds=60.0, concluded_per_second=99.5),
        _step("overload", 200, errors={"503": 900}, failed_submits=900, refusal_503_p99_ms=40.0),
        _step("recovery", 50),
    ]
    results = {t["target"]: t["result"] for t in targets("distributed", steps)}
    assert set(results.values()) == {"PASS"}, results
    # A hang, a refusal without Retry-After and a 500 above saturation each fail the shedding target.
    for bad in ({"submit_max_ms": 10500.0}, {"refusal_503_without_retry_after": 1}, {"errors": {"503": 5, "500": 1}}):
        over = _step("overload", 200, **{"errors": {"503": 900}, "refusal_503_p99_ms": 40.0, **bad})
        assert shedding([*steps[:2], over])["result"] == "FAIL", bad
    # Saturated below 50/s: the 50/s and 100/s targets fail rather than "not run"; nothing ran above 20/s in
    # standalone mode without saturating, so its targets are not run.
    low = [_step("ramp", 10, concluded_per_second=4.0)]
    assert low[0]["saturated"]
    results = {t["target"]: t["result"] for t in targets("distributed", low)}
    assert results[">= 100 concluded cases/s sustained for 60 s"] == "FAIL"
    assert results["offered 50/s: no failed submit"] == "FAIL"
    assert results["recovers by itself when the load drops"] == "NOT RUN"
    assert {t["result"] for t in targets("standalone", [_step("ramp", 10)])} == {"NOT RUN"}
    # Too slow at the sustained step: 95 of 100/s concluded.
    slow = [_step("sustained", 100, seconds=60.0, concluded_per_second=95.0)]
    assert targets("distributed", slow)[0]["result"] == "FAIL"


def test_the_cpu_per_case_is_net_of_idle_cpu_and_of_what_is_taken_off() -> None:
    before = {"service-management": 10.0, "postgresql": 5.0}
    after = {"service-management": 12.0, "postgresql": 5.5}
    # 2 s of service-management's CPU over 10 s at 0.05 s/s idle: 1.5 s, less 0.5 s of reads: 1.0 s over 100 cases.
    figures = cpu.per_case(before, after, 100, 10.0, {"service-management": 0.05}, less={"service-management": 0.5})
    assert figures == {"service-management": 10.0, "postgresql": 5.0, "all": 15.0}
    # Never below zero, whatever is taken off.
    assert cpu.per_case(before, after, 100, 10.0, {}, less={"postgresql": 9.0})["postgresql"] == 0.0  # type: ignore[index]
    assert cpu.spent(before, after, 10.0, {"service-management": 0.05}) == {
        "service-management": 1.5,
        "postgresql": 0.5,
    }


def test_the_statements_per_case_are_net_of_idle_ones_and_of_the_reads() -> None:
    before = {"service-management": Counts(1000, 100), "data-sharing": Counts(50, 5)}
    after = {"service-management": Counts(5000, 300), "data-sharing": Counts(1550, 55)}
    used = statements.spent(before, after)
    assert used == {"service-management": (4000, 200), "data-sharing": (1500, 50)}
    # 10 s at 20 statements/s idle (1 transaction/s) and 1,000 of the bench's reads, over 100 cases.
    figures = statements.per_case(
        used,
        100,
        idle={"service-management": Counts(20, 1)},
        seconds=10.0,
        less={"service-management": Counts(1000, 0)},
    )
    assert figures == {"service-management": [28.0, 1.9], "data-sharing": [15.0, 0.5], "all": [43.0, 2.4]}
    assert statements.per_case(used, 0, idle={}, seconds=10.0, less={}) is None
    assert statements.rates(before, after, 10.0)["data-sharing"] == (150.0, 5.0)
