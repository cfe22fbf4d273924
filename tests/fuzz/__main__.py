"""`make fuzz`: python -m tests.fuzz [--seconds N] [--seed S] [--work-dir DIR] (see tests/fuzz/harness.py)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from tests.fuzz.harness import fuzz


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("FUZZ_SECONDS", "300")),
        help="fuzzing time in all, shared by the runs in proportion to their operations (FUZZ_SECONDS, 300)",
    )
    parser.add_argument(
        "--seed", type=int, default=int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None
    )
    parser.add_argument("--work-dir", help="where the platform's files, the reports and the findings go (kept)")
    args = parser.parse_args()
    work_dir = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="gov-fuzz-"))
    report = fuzz(work_dir, seconds=args.seconds, seed=args.seed)
    print(report.summary())
    print(f"reports, findings and the platform's log: {work_dir}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
