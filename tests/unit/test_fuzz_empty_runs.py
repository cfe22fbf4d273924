"""The fuzzing harness runs again, with more time, a run that tested nothing (tests/fuzz/harness.py)."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.harness import EMPTY_RUN_RETRIES, RunResult, run_until_tested


def _result(operations: int, errors: list[str] | None = None) -> RunResult:
    return RunResult(
        target="gateway",
        role="anonymous",
        budget=0,
        seconds=0,
        operations=operations,
        test_cases=operations * 5,
        exit_code=0,
        errors=errors or [],
    )


def test_an_empty_run_is_run_again_with_twice_the_time_and_noted(tmp_path: Path) -> None:
    budgets: list[float] = []
    answers = [_result(0), _result(12)]
    output = tmp_path / "gateway-anonymous.out"

    def run_once(budget: float) -> RunResult:
        budgets.append(budget)
        output.write_text(f"run for {budget}")
        return answers.pop(0)

    notes: list[str] = []
    run = run_until_tested(run_once, 8.0, notes, lambda line: None, output)
    assert run.operations == 12
    assert budgets == [8.0, 16.0]
    assert notes == ["gateway as anonymous tested no operation: ran again for 16 s"]
    assert (tmp_path / "gateway-anonymous.empty-1.out").read_text() == "run for 8.0"


def test_a_run_that_tested_something_or_failed_is_not_run_again(tmp_path: Path) -> None:
    for first in (_result(3), _result(0, ["schemathesis ended (1) without a report"])):
        calls: list[float] = []

        def run_once(budget: float, first: RunResult = first, calls: list[float] = calls) -> RunResult:
            calls.append(budget)
            return first

        notes: list[str] = []
        assert run_until_tested(run_once, 8.0, notes, lambda line: None, tmp_path / "x.out") is first
        assert calls == [8.0] and notes == []


def test_runs_that_stay_empty_end_after_the_retries_and_the_result_says_so(tmp_path: Path) -> None:
    budgets: list[float] = []

    def run_once(budget: float) -> RunResult:
        budgets.append(budget)
        return _result(0)

    notes: list[str] = []
    run = run_until_tested(run_once, 8.0, notes, lambda line: None, tmp_path / "x.out")
    assert run.operations == 0  # the short fuzzing test then fails on it
    assert budgets == [8.0 * 2**n for n in range(EMPTY_RUN_RETRIES + 1)]
    assert len(notes) == EMPTY_RUN_RETRIES
