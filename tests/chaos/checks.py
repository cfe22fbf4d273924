"""What the suite holds the platform to after the faults, and the facts it reads to judge it.

The facts of each case come from where its users and the services left them: its timeline through the
public API (GET /api/v1/cases/{no}), its licence in data-sharing's database, its notifications in the
gateway's, its work item in the amr business system's, the distinct events about it on Kafka, and the
dead-letter topics of the run. The checks themselves are plain functions of those facts
(tests/chaos/test_checks.py shows each one failing)."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from tests.bench.harness import _libpq, read_topic
from tests.chaos.load import OUTCOME_UNKNOWN, Submission

# The ending of an instant-approval case without faults: concluded, approved once, a licence, and the
# applicant told of each step once.
ENDING = "concluded"
NOTIFIED_KINDS = ("accepted", "approved", "concluded", "license_issued")
NOTIFICATION_GRACE_SECONDS = 10.0
EVIDENCE_LINES = 25


@dataclass
class CaseFacts:
    case_no: str
    phase: str  # the fault under way when it was first offered ("no fault" before the first)
    answered: bool = True  # False: the client never got its 201 (found in service-management's database)
    # It must have ended by then (epoch seconds): `settle` seconds after the last recovery, or after its
    # acceptance if that came later (a submission retried past the last recovery).
    due_by: float = 0.0
    status: str | None = None  # the last status read (None: never read)
    concluded_at: float | None = None  # epoch seconds, from its timeline
    approved_steps: int = 0
    concluded_steps: int = 0
    license_no: str | None = None
    timeline: list[str] = field(default_factory=list)  # statuses, in order
    licences: list[str] = field(default_factory=list)  # data-sharing's licences for it
    approval_events: int = 0  # distinct gov.case.approved event ids on Kafka
    licence_events: int = 0  # distinct gov.license.issued event ids on Kafka
    notifications: dict[str, int] = field(default_factory=dict)  # kind -> how many
    work_item: dict[str, Any] | None = None  # the amr business system's status and findings

    def ending_problems(self) -> list[str]:
        """How this case's ending differs from the one without faults (empty: the same, in time)."""
        problems = []
        if self.status != ENDING:
            problems.append(f"status {self.status}")
        elif self.concluded_at is None or self.concluded_at > self.due_by:
            late = "" if self.concluded_at is None else f" {self.concluded_at - self.due_by:.0f}s"
            problems.append(f"concluded{late} after the deadline")
        if self.status == ENDING:
            if self.approved_steps != 1 or self.concluded_steps != 1:
                problems.append(f"timeline {self.approved_steps} approved / {self.concluded_steps} concluded steps")
            if not self.license_no:
                problems.append("no licence number")
            elif self.licences != [self.license_no]:
                problems.append(f"data-sharing holds {self.licences} for licence {self.license_no}")
            missing = [k for k in NOTIFIED_KINDS if not self.notifications.get(k)]
            if missing:
                problems.append("not notified: " + ",".join(missing))
        return problems

    def as_dict(self) -> dict[str, Any]:
        return vars(self)


@dataclass
class Check:
    name: str
    passed: bool
    evidence: list[str]

    def as_dict(self) -> dict[str, Any]:
        return vars(self)


def _cut(lines: list[str]) -> list[str]:
    if len(lines) <= EVIDENCE_LINES:
        return lines
    return [*lines[:EVIDENCE_LINES], f"... and {len(lines) - EVIDENCE_LINES} more"]


def _describe(case: CaseFacts) -> str:
    item = case.work_item or {}
    findings = "; ".join(f"{f.get('code')}: {f.get('message')}" for f in item.get("findings") or [])
    return (
        f"{case.case_no} [{case.phase}] timeline {'>'.join(case.timeline) or '-'}"
        + (f"; amr work item {item.get('status')}" if item else "; no amr work item")
        + (f" ({findings})" if findings else "")
    )


def filed_twice(filings: dict[str, str | None], submissions: list[Submission]) -> list[str]:
    """Submissions that filed more than one case: from service-management's database, each case of the
    run's applicants with the Idempotency-Key it was filed under (None: under none). Every submission sends
    a key, so a case filed under none, or under a key not its submission's answered one, is a second filing."""
    keys = {s.key: s for s in submissions}
    problems = [f"{no}: filed without an Idempotency-Key" for no, key in sorted(filings.items()) if key is None]
    per_key = Counter(key for key in filings.values() if key is not None)
    problems += [f"key {key}: {n} cases" for key, n in sorted(per_key.items()) if n > 1]
    problems += [
        f"{no}: filed under {key}, which no submission sent" for no, key in filings.items() if key and key not in keys
    ]
    by_key = {key: no for no, key in filings.items() if key is not None}
    problems += [
        f"submission {s.index} ({s.key}) answered {s.case_no}, its key filed {by_key.get(s.key)}"
        for s in submissions
        if s.case_no and by_key.get(s.key) != s.case_no
    ]
    return problems


def judge(
    cases: list[CaseFacts],
    submissions: list[Submission],
    dead_letters: list[dict[str, Any]],
    self_exits: list[str],
    filings: dict[str, str | None] | None = None,
) -> list[Check]:
    """The suite's assertions, each with the evidence of what broke it. `filings`: every case filed for the
    run's applicants with its Idempotency-Key (`keyed_filings`); None when not read (no such check)."""
    wrong = [f"{_describe(c)}: {', '.join(p)}" for c in cases if (p := c.ending_problems())]
    twice = [
        f"{c.case_no}: {len(c.licences)} licences in data-sharing, {c.licence_events} gov.license.issued and "
        f"{c.approval_events} gov.case.approved events"
        for c in cases
        if len(c.licences) > 1 or c.licence_events > 1 or c.approval_events > 1
    ]
    notified_twice = [
        f"{c.case_no}: {kind} x{n}" for c in cases for kind, n in sorted(c.notifications.items()) if n > 1
    ]
    dead = [
        f"{d['topic']} offset {d['offset']} ({d.get('type')} of {d.get('subject')}, group {d.get('group')}): "
        f"{str(d.get('reason'))[-300:]}"
        for d in dead_letters
    ]
    bad_answers: Counter[str] = Counter()
    for s in submissions:
        for a in s.attempts:
            code = a.status.split()[0]
            if code.isdigit() and int(code) >= 500 and a.label != "503" and not a.status.endswith(OUTCOME_UNKNOWN):
                bad_answers[a.label] += 1
    # An outcome the gateway could not know is an honest answer: the client resends with the same key.
    unaccepted = Counter(s.ended for s in submissions if s.ended != "accepted")
    twice_filed = filed_twice(filings, submissions) if filings is not None else []
    return [
        Check(
            "every accepted case reached its ending (concluded, approved, licence, notified) in time",
            not wrong,
            _cut(wrong),
        ),
        Check("no licence issued twice (nor a case approved twice)", not twice, _cut(twice)),
        Check("no notification issued twice", not notified_twice, _cut(notified_twice)),
        Check("nothing dead-lettered", not dead, _cut(dead)),
        Check(
            "no 500 (nor other 5xx but 502/504 outcome_unknown; every 503 with Retry-After)",
            not bad_answers,
            [f"{label}: {n} answers" for label, n in sorted(bad_answers.items())],
        ),
        Check(
            "every submission accepted within its retry budget",
            not unaccepted,
            [f"{ended}: {n}" for ended, n in sorted(unaccepted.items())],
        ),
        Check("no process ended by itself", not self_exits, _cut(self_exits)),
        Check("no submission filed two cases (one case per Idempotency-Key)", not twice_filed, _cut(twice_filed)),
    ]


# Reading the facts -------------------------------------------------------------------------------------


def events_by_case(kafka: str, namespace: str, numbers: set[str]) -> tuple[Counter[str], Counter[str]]:
    """Distinct gov.case.approved and gov.license.issued event ids per case, read back from Kafka."""
    seen: dict[tuple[str, str], set[str]] = {}
    for topic in ("gov.case.v1", "gov.license.v1"):
        for event in read_topic(kafka, f"{namespace}{topic}"):
            data = event.get("data")
            data = data if isinstance(data, dict) else {}
            no = str(event.get("subject")) if str(event.get("subject")) in numbers else str(data.get("case_no"))
            if no in numbers:
                seen.setdefault((no, str(event.get("type"))), set()).add(str(event.get("id")))
    approvals = Counter({no: len(ids) for (no, kind), ids in seen.items() if kind == "gov.case.approved"})
    licences = Counter({no: len(ids) for (no, kind), ids in seen.items() if kind == "gov.license.issued"})
    return approvals, licences


def dead_letters(kafka: str, namespace: str) -> list[dict[str, Any]]:
    """Every message on the run's dead-letter topics (`<topic>.dlt`), with its reason."""
    admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="chaos")
    try:
        topics = sorted(t for t in admin.list_topics() if t.startswith(namespace) and t.endswith(".dlt"))
    finally:
        admin.close()
    out: list[dict[str, Any]] = []
    for topic in topics:
        consumer = KafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False, client_id="chaos-dlt-reader")
        try:
            tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            end = consumer.end_offsets(tps)
            while any(consumer.position(tp) < end[tp] for tp in tps):
                for records in consumer.poll(timeout_ms=1000).values():
                    for r in records:
                        headers = {k: v.decode(errors="replace") for k, v in r.headers or []}
                        try:
                            value = json.loads(r.value)
                        except ValueError:
                            value = {}
                        out.append(
                            {
                                "topic": topic.removeprefix(namespace),
                                "offset": r.offset,
                                "type": value.get("type"),
                                "subject": value.get("subject"),
                                "group": headers.get("x-consumer-group", "").removeprefix(namespace),
                                "original_offset": headers.get("x-original-offset"),
                                "reason": headers.get("x-dead-letter-reason"),
                            }
                        )
        finally:
            consumer.close()
    return out


def database_facts(databases: dict[str, str], cases: dict[str, CaseFacts]) -> None:
    """Each case's licences (data-sharing), notifications (gateway) and amr work item, filled in."""
    numbers = sorted(cases)
    with psycopg.connect(_libpq(databases["ds"])) as conn:
        for no, licence in conn.execute(
            "SELECT case_no, license_no FROM licenses WHERE case_no = ANY(%s) ORDER BY license_no", (numbers,)
        ):
            cases[no].licences.append(licence)
    # The gateway's inbox gathers its events for up to a second (GW_NOTIFICATION_GATHER_MS, docs/notifications.md):
    # a case that concluded just now may have its last notification a moment later. Read again while a
    # concluded case lacks one, for at most NOTIFICATION_GRACE_SECONDS.
    deadline = time.monotonic() + NOTIFICATION_GRACE_SECONDS
    with psycopg.connect(_libpq(databases["gw"])) as conn:
        while True:
            counts: dict[str, dict[str, int]] = {}
            for no, kind, n in conn.execute(
                "SELECT case_no, kind, count(*) FROM notifications WHERE case_no = ANY(%s) GROUP BY case_no, kind",
                (numbers,),
            ):
                counts.setdefault(no, {})[kind] = n
            waiting = any(
                c.status == ENDING and any(k not in counts.get(no, {}) for k in NOTIFIED_KINDS)
                for no, c in cases.items()
            )
            if not waiting or time.monotonic() >= deadline:
                break
            conn.commit()  # the next reading sees what committed since
            time.sleep(0.5)
    for no, kinds in counts.items():
        cases[no].notifications = kinds
    with psycopg.connect(_libpq(databases["bs_amr"])) as conn:
        for no, status, findings in conn.execute(
            "SELECT case_no, status, findings FROM work_items WHERE case_no = ANY(%s)", (numbers,)
        ):
            cases[no].work_item = {"status": status, "findings": findings if isinstance(findings, list) else []}


def keyed_filings(sm_database: str, id_numbers: list[str]) -> dict[str, str | None]:
    """Every case service-management filed for the run's applicants -> the Idempotency-Key it was filed
    under (the key's stored answer names the case), None if under none."""
    with psycopg.connect(_libpq(sm_database)) as conn:
        rows = conn.execute(
            "SELECT c.case_no, k.key FROM cases c LEFT JOIN idempotency_keys k"
            " ON k.owner_sub = c.applicant_sub AND k.response ->> 'case_no' = c.case_no"
            " WHERE c.applicant_id_number = ANY(%s)",
            (id_numbers,),
        ).fetchall()
    return {no: key for no, key in rows}


def unanswered_cases(sm_database: str, id_numbers: list[str], answered: set[str]) -> dict[str, str]:
    """Cases service-management recorded for the run's applicants whose 201 the client never got (a
    connection broken after the case was written), by case number -> the applicant's id number."""
    with psycopg.connect(_libpq(sm_database)) as conn:
        rows = conn.execute(
            "SELECT case_no, applicant_id_number FROM cases WHERE applicant_id_number = ANY(%s)", (id_numbers,)
        ).fetchall()
    return {no: who for no, who in rows if no not in answered}
