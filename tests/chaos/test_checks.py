"""The suite's judgement on made-up facts: each check passes on a case that ended as it would have without
faults and fails, naming the case, on each way the platform can break its promise."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.chaos.checks import CaseFacts, judge
from tests.chaos.faults import FaultRecord, parse_faults
from tests.chaos.load import Attempt, Submission
from tests.chaos.suite import phase_of, phases

DEADLINE = 1000.0


def good(no: str = "202612050000000001") -> CaseFacts:
    return CaseFacts(
        case_no=no,
        phase="kill -9 data-sharing",
        due_by=DEADLINE,
        status="concluded",
        concluded_at=DEADLINE - 30,
        approved_steps=1,
        concluded_steps=1,
        license_no="L-1",
        timeline=["submitted", "accepted", "dispatched", "approved", "concluded"],
        licences=["L-1"],
        approval_events=1,
        licence_events=1,
        notifications={"accepted": 1, "approved": 1, "concluded": 1, "license_issued": 1},
        work_item={"status": "approved", "findings": []},
    )


def accepted(*attempts: Attempt) -> Submission:
    return Submission(0, 0, 0.0, list(attempts) or [Attempt(1.0, "201", False, 0.1)], "202612050000000001", "accepted")


def failed(
    cases: list[CaseFacts],
    submissions: list[Submission] | None = None,
    dead: list[dict[str, Any]] | None = None,
    exits: list[str] | None = None,
) -> dict[str, list[str]]:
    checks = judge(cases, submissions or [accepted()], dead or [], exits or [])
    return {c.name.split(" (")[0]: c.evidence for c in checks if not c.passed}


def test_a_case_that_ended_as_without_faults_passes_every_check() -> None:
    answers = accepted(
        Attempt(0.0, "503", True, 0.1), Attempt(0.5, "ConnectError", False, 0.0), Attempt(1, "201", False, 0.1)
    )
    assert failed([good()], [answers]) == {}


@pytest.mark.parametrize(
    ("change", "evidence"),
    [
        (
            {
                "status": "dispatched",
                "work_item": {"status": "pending", "findings": [{"code": "credit_unknown", "message": "未能查询"}]},
            },
            "credit_unknown",
        ),
        ({"status": "denied"}, "status denied"),
        ({"concluded_at": DEADLINE + 5}, "after the deadline"),
        ({"license_no": None}, "no licence number"),
        ({"notifications": {"accepted": 1, "approved": 1, "concluded": 1}}, "not notified: license_issued"),
        ({"approved_steps": 2}, "2 approved"),
    ],
)
def test_an_ending_other_than_without_faults_fails_naming_the_case(change: dict[str, object], evidence: str) -> None:
    broken = dataclasses.replace(good("202612050000000002"), **change)  # type: ignore[arg-type]
    [(name, lines)] = failed([good(), broken]).items()
    assert name == "every accepted case reached its ending"
    assert len(lines) == 1 and lines[0].startswith("202612050000000002") and evidence in lines[0], lines


def test_a_licence_or_a_notification_issued_twice_fails() -> None:
    assert list(failed([dataclasses.replace(good(), licence_events=2)])) == ["no licence issued twice"]
    assert list(failed([dataclasses.replace(good(), approval_events=2)])) == ["no licence issued twice"]
    twice = dataclasses.replace(good(), notifications={**good().notifications, "approved": 2})
    assert failed([twice]) == {"no notification issued twice": ["202612050000000001: approved x2"]}


def test_a_dead_letter_a_500_an_unretried_503_a_lost_submission_and_a_crash_each_fail() -> None:
    dead = [{"topic": "gov.case.v1.dlt", "offset": 0, "type": "gov.case.dispatched", "subject": "x", "reason": "boom"}]
    assert list(failed([good()], dead=dead)) == ["nothing dead-lettered"]
    for status, retry_after in (("500", False), ("503", False), ("502", False)):
        answers = accepted(Attempt(0.0, status, retry_after, 0.1), Attempt(1.0, "201", False, 0.1))
        assert list(failed([good()], [answers])) == ["no 500"], status
    # Honest: the client resends with the same Idempotency-Key and gets the case the first attempt filed.
    unknown = accepted(Attempt(0.0, "502 outcome_unknown", False, 0.1), Attempt(1.0, "201", False, 0.1))
    assert failed([good()], [accepted(), unknown]) == {}
    # One that never got its answer within the budget is not accepted.
    unanswered = dataclasses.replace(
        accepted(Attempt(0.0, "502 outcome_unknown", False, 0.1)), case_no=None, ended="gave up"
    )
    assert list(failed([good()], [unanswered])) == ["every submission accepted within its retry budget"]
    lost = dataclasses.replace(accepted(Attempt(0.0, "ConnectError", False, 0.0)), case_no=None, ended="gave up")
    assert failed([good()], [accepted(), lost]) == {"every submission accepted within its retry budget": ["gave up: 1"]}
    assert list(failed([good()], exits=["data-sharing at +40s (status 1)"])) == ["no process ended by itself"]


def test_a_submission_that_filed_two_cases_fails() -> None:
    one = accepted()
    no = str(one.case_no)
    checks = judge([good()], [one], [], [], {no: one.key})
    assert all(c.passed for c in checks)
    name = "no submission filed two cases (one case per Idempotency-Key)"
    for filings, evidence in (
        ({no: one.key, "202612050000000002": None}, "202612050000000002: filed without an Idempotency-Key"),
        ({"202612050000000002": one.key}, f"submission 0 ({one.key}) answered {no}, its key filed 202612050000000002"),
        ({no: one.key, "202612050000000002": "chaos-other"}, "202612050000000002: filed under chaos-other"),
    ):
        [verdict] = [c for c in judge([good()], [one], [], [], filings) if c.name == name]
        assert not verdict.passed and any(e.startswith(evidence) for e in verdict.evidence), verdict.evidence
    # Not read (a caller without the database): no such check fails.
    assert all(c.passed for c in judge([good()], [one], [], []))


def test_faults_are_parsed_and_a_case_belongs_to_the_fault_under_way_when_it_was_offered() -> None:
    faults = parse_faults("kill:sm,stop:ds,term:gateway,kill:kafka")
    assert [f.label for f in faults] == [
        "kill -9 service-management",
        "SIGSTOP data-sharing",
        "SIGTERM portal-gateway",
        "kill -9 kafka",
    ]
    for bad in ("stop:kafka", "crash:sm", "kill:"):
        with pytest.raises(ValueError):
            parse_faults(bad)
    records = [
        FaultRecord(label, "kill", "x", injected_at=t) for label, t in (("a", 120.0), ("b", 150.0), ("a", 170.0))
    ]
    ps = phases(100.0, records)
    at = (100.0, 119.9, 120.0, 160.0, 175.0, 250.0)
    assert [phase_of(ps, t).label for t in at] == ["no fault", "no fault", "a", "b", "a #2", "a #2"]
