"""The short run of the fault-injection suite in `make test` (the full one is `make chaos`, docs/chaos.md): the
distributed platform of its own on fresh databases and topics, instant-approval cases at 2/s through the
public API, `kill -9` of service-management and then of data-sharing under that load, each restarted after
3-5 s. Every accepted case must end as it would have without the faults (concluded, approved, a licence,
the applicant notified of each step once) within 60 s of the last recovery; no licence or notification
twice, nothing dead-lettered, no 500. It kills only the platform's processes, so it runs on the shared
PostgreSQL and Kafka of `make test`; the run's JSON goes to test-output/chaos/latest-short.json."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.chaos.faults import SHORT, parse_faults
from tests.chaos.report import text, write
from tests.chaos.suite import NO_FAULT, Options, run


@pytest.mark.timeout(420)  # about 90 s when it passes; the wait for stuck cases is bounded (60 s)
def test_every_case_ends_as_without_faults_after_kill_9_of_management_and_data_sharing(
    tmp_path: Path, pg_admin_url: str, kafka_bootstrap: str, output_dir: Path
) -> None:
    started = time.monotonic()

    def log(line: str) -> None:
        print(f"[chaos +{time.monotonic() - started:4.0f}s] {line}", flush=True)

    options = Options(
        faults=parse_faults(SHORT),
        label="short",
        # 2 cases/s: under CI, beside the browser scenarios, a restarted service-management took 27 s to be
        # ready and the platform drained the ~110 submissions retried meanwhile at about 3 cases/s, so that
        # at 3/s 46 of 217 cases ended 0-12 s past their 60 s (CI of 132c5f3). Fewer cases pile up at 2/s;
        # the 60 s bound is the same.
        rate=2.0,
        applicants=4,
        warmup=3.0,
        gap=3.0,
        tail=3.0,
        deadline=300.0,
        pg_url=pg_admin_url,
        kafka=kafka_bootstrap,
        work_dir=tmp_path,
        watchdog=False,
    )
    result = run(options, log)
    write(result, output_dir / "chaos")
    summary = text(result)
    print(summary)
    # The run itself did what it says: each fault injected and recovered from, cases offered throughout.
    assert [f["label"] for f in result["faults"]] == ["kill -9 service-management", "kill -9 data-sharing"], summary
    assert all(f["recovered_at"] and not f["note"] for f in result["faults"]), summary
    phases = result["phases"]
    assert phases[0]["phase"] == NO_FAULT and all(p["accepted"] for p in phases), summary
    assert result["passed"], summary
