"""Micro-benchmark of one filing in service-management: `POST /api/v1/cases` of an instant-approval item, one
after the other, through the service's app in this process on PostgreSQL (its ports faked, as in the service's
tests), and the CPU of the parts of it that read reference data: the item, the working calendar, the process
definition and the decision table, which are the same for every filing of an item until an administrator
changes them (docs/benchmark.md, "Where the CPU goes").

Not a test (pytest does not collect it). Run from the repository root with the test servers up:

    GOV_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:25432/postgres \\
    .venv/bin/python -m tests.service_management.filing_bench --filings 300

Creates a database of its own and drops it at the end. Prints, per filing: the wall time, the CPU of the
thread that ran the request (the service's own work, without the test client's), and the CPU of each
reference read within it (measured around the function, so a read that finds the unit of work's copy costs
nearly nothing).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

import service_management.cases.service as cases
import service_management.rules.service as rules
import service_management.workflow.service as workflow
from tests.service_management.conftest import build_sm

# What is measured: (module, attribute), by the name printed.
MEASURED: dict[str, list[tuple[Any, str]]] = {
    "the filing (file_case)": [(cases, "file_case")],
    "item": [(cases, "get_published")],
    "calendar": [(cases, "load_calendar"), (workflow, "load_calendar")],
    "process definition": [(workflow, "current_definition_version")],
    "decision table": [(rules, "current_table_version")],
}


class Meter:
    """CPU seconds of the calling thread spent in wrapped functions, by name; nested calls of the same name are
    counted once (the outermost)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._depth = threading.local()

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def measured(*args: Any, **kwargs: Any) -> Any:
            depth = getattr(self._depth, name, 0)
            setattr(self._depth, name, depth + 1)
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                setattr(self._depth, name, depth)
                if depth == 0:
                    self.seconds[name] += time.thread_time() - started
                    self.calls[name] += 1

        return measured

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


@contextmanager
def measuring(meter: Meter) -> Iterator[None]:
    places = [place for places in MEASURED.values() for place in places]
    saved = [(module, attribute, getattr(module, attribute)) for module, attribute in places]
    for name, places in MEASURED.items():
        for module, attribute in places:
            setattr(module, attribute, meter.wrap(name, getattr(module, attribute)))
    try:
        yield
    finally:
        for module, attribute, original in saved:
            setattr(module, attribute, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=300)
    parser.add_argument("--warm-up", type=int, default=30)
    args = parser.parse_args()
    admin_url = os.environ["GOV_TEST_PG_URL"]
    name = f"filing_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        sm_of = build_sm(admin_url.rsplit("/", 1)[0] + "/" + name, Path(tempfile.mkdtemp(prefix="filing-bench-")))
        sm = next(sm_of)
        try:
            meter = Meter()
            with measuring(meter):
                for _ in range(args.warm_up):
                    sm.file()
                meter.reset()
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(args.filings):
                    sm.file()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            n = args.filings
            print(f"{n} filings of an instant-approval item, one after the other (PostgreSQL):")
            print(f"  wall {1000 * wall / n:.2f} ms, this process's CPU {1000 * cpu / n:.2f} ms per filing")
            for label in MEASURED:
                seconds, calls = meter.seconds.get(label, 0.0), meter.calls.get(label, 0)
                print(f"  {label:24s} {1000 * seconds / n:6.2f} ms CPU per filing ({calls / n:.1f} calls)")
        finally:
            for _ in sm_of:  # closes the test client and the runtime
                pass
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
