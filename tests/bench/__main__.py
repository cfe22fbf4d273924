"""`make bench`: python -m tests.bench [--standalone] [--rates 10,25,50 --seconds 20] [--replicas 2] [--smoke]
(docs/benchmark.md). Exits 0 whether or not the targets are met (they are reported); non-zero only when the
benchmark itself broke."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tests.bench import harness, report
from tests.bench.harness import Options, StepPlan

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RATES = {"distributed": [10.0, 25.0, 50.0], "standalone": [5.0, 10.0, 20.0]}


def _infra(script: str, what: str) -> str:
    done = subprocess.run([str(ROOT / "scripts/infra" / script), what], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _rates(value: str) -> list[float]:
    try:
        rates = [float(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of rates: {value!r}") from exc
    if not rates or any(r <= 0 for r in rates):
        raise argparse.ArgumentTypeError("rates are positive numbers of cases a second, e.g. 10,50,100")
    return rates


def parse(argv: list[str] | None = None) -> tuple[Options, Path, bool]:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--standalone", action="store_true", help="the standalone platform (one process, SQLite)")
    parser.add_argument("--rates", type=_rates, help="the rising steps, cases/s (default 10,25,50; standalone 5,10,20)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each rising step (20)")
    parser.add_argument("--sustained-rate", type=float, default=100.0, help="the sustained step's rate (100)")
    parser.add_argument(
        "--sustained-seconds",
        type=float,
        help="the sustained step's length; 0: none (default 60 in distributed mode without --rates, else none)",
    )
    parser.add_argument(
        "--overload-factor", type=float, default=2.0, help="overload step at this x the top rate; 0: none"
    )
    parser.add_argument("--overload-seconds", type=float, default=15.0)
    parser.add_argument("--recovery-seconds", type=float, default=20.0, help="the low-rate step after; 0: none")
    parser.add_argument("--recovery-pause", type=float, default=10.0, help="seconds between the overload and it")
    parser.add_argument("--keep-going", action="store_true", help="run every step, also after saturation")
    parser.add_argument(
        "--replicas", type=int, choices=(1, 2), default=1, help="2: a second service-management and amr"
    )
    parser.add_argument("--applicants", type=int, default=20, help="registered applicants the cases are spread over")
    parser.add_argument("--drain", type=float, default=20.0, help="seconds after a step for its cases to conclude")
    parser.add_argument("--timeout", type=float, default=15.0, help="the client's timeout per request")
    parser.add_argument("--max-in-flight", type=int, default=1000)
    parser.add_argument("--deadline", type=float, default=600.0, help="the whole run's budget, start-up included")
    parser.add_argument("--chain-events", type=int, default=30000, help="events through the bare chain; 0: none")
    parser.add_argument("--chain-seconds", type=float, default=20.0)
    parser.add_argument("--pg-url", default=os.environ.get("GOV_TEST_PG_URL") or _infra("postgres.sh", "url"))
    parser.add_argument(
        "--kafka", default=os.environ.get("GOV_TEST_KAFKA_BOOTSTRAP") or _infra("kafka.sh", "bootstrap")
    )
    parser.add_argument("--output", type=Path, default=ROOT / "test-output" / "bench", help="JSON and chart go here")
    parser.add_argument("--work-dir", type=Path, help="the platform's files and logs (default: a temporary directory)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds at a low rate, one step, no targets")
    args = parser.parse_args(argv)
    if args.replicas > 1 and args.standalone:
        parser.error("--replicas needs the distributed platform")
    mode = "standalone" if args.standalone else "distributed"
    options = Options(
        mode=mode,
        replicas=args.replicas,
        applicants=args.applicants,
        drain_seconds=args.drain,
        timeout=args.timeout,
        max_in_flight=args.max_in_flight,
        deadline=args.deadline,
        chain_events=args.chain_events,
        chain_seconds=args.chain_seconds,
        pg_url=args.pg_url,
        kafka=args.kafka,
        overload_factor=args.overload_factor,
        overload_seconds=args.overload_seconds,
        recovery_seconds=args.recovery_seconds,
        recovery_pause=args.recovery_pause,
        stop_when_saturated=not args.keep_going,
    )
    if args.smoke:
        options.steps = [StepPlan("smoke", 5.0, 4.0)]
        options.applicants = 3
        options.drain_seconds = 45.0  # ends as soon as every case is terminal; long only on a busy machine
        options.overload_factor = 0
        options.recovery_seconds = 0
        options.chain_events = 600
        options.chain_seconds = 4.0
        options.deadline = min(args.deadline, 360.0)  # room for a slow start on a busy machine
        options.targets = False
    else:
        options.steps = [StepPlan("ramp", r, args.seconds) for r in (args.rates or DEFAULT_RATES[mode])]
        sustained = args.sustained_seconds
        if sustained is None:
            sustained = 60.0 if mode == "distributed" and not args.rates else 0.0
        if sustained > 0:
            options.steps.append(StepPlan("sustained", args.sustained_rate, sustained))
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="gov-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    options.work_dir = work_dir
    return options, args.output, args.work_dir is None


def logger() -> Callable[[str], None]:
    started = time.monotonic()

    def log(line: str) -> None:
        print(f"[bench +{time.monotonic() - started:4.0f}s] {line}", flush=True)

    return log


def main(argv: list[str] | None = None) -> int:
    options, output, temporary = parse(argv)
    log = logger()
    if not options.pg_url or not options.kafka:
        print("PostgreSQL and Kafka are needed: make bench starts them (scripts/infra)", file=sys.stderr)
        return 2
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    try:
        result = harness.run(options, log)
    except Exception:
        traceback.print_exc()
        print(f"the benchmark broke; the platform's logs are in {options.work_dir}", file=sys.stderr)
        return 1
    if not result["steps"]:
        print(report.text(result), file=sys.stderr)
        print("the benchmark measured nothing: no step could run before the deadline (--deadline)", file=sys.stderr)
        print(f"the platform's logs are in {options.work_dir}", file=sys.stderr)
        return 1
    result["started_at"] = started_at
    result["command"] = ["python", "-m", "tests.bench", *(sys.argv[1:] if argv is None else argv)]
    result["options"] = {
        "steps": [vars(s) for s in options.steps],
        "overload_factor": options.overload_factor,
        "recovery_seconds": options.recovery_seconds,
        "applicants": options.applicants,
        "drain_seconds": options.drain_seconds,
        "client_timeout_seconds": options.timeout,
        "max_in_flight": options.max_in_flight,
        "deadline_seconds": options.deadline,
    }
    result["ratio"] = report.ratio(result)
    result["targets"] = report.targets(options.mode, result["steps"]) if options.targets else []
    print(report.text(result), flush=True)
    data, chart = report.write(result, output)
    print(f"figures: {data}\nchart:   {chart}")
    if temporary:
        harness.remove_work_dir(options.work_dir)
    else:
        print(f"the platform's logs: {options.work_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
