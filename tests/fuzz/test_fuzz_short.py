"""The short fuzzing run of `make test`: a standalone platform of its own, schemathesis over the gateway's
and the services' OpenAPI, no 5xx and only problem+json 4xx. FUZZ_SHORT_SECONDS (20) is shared among the six
runs of the short plan by their operations, but each gets at least MIN_RUN_SECONDS (8): about a minute in all.
`make fuzz` runs the whole matrix for longer (tests/fuzz/harness.py)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fuzz.harness import SHORT_PLAN, fuzz

# A fixed seed, so that what CI reports can be sent again (FUZZ_SEED to change it).
SEED = int(os.environ.get("FUZZ_SEED", "1204"))


def test_no_5xx_for_any_input(tmp_path: Path) -> None:
    report = fuzz(
        tmp_path / "fuzz",
        seconds=float(os.environ.get("FUZZ_SHORT_SECONDS", "20")),
        plan=SHORT_PLAN,
        seed=SEED,
        log=lambda line: None,
    )
    print(report.summary())
    assert report.passed, f"\n{report.summary()}\n(reports, findings and the platform's log: {tmp_path / 'fuzz'})"
    assert all(run.test_cases > 0 for run in report.runs), report.summary()
