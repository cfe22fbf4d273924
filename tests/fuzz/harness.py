"""Fuzzing the platform's whole HTTP surface with schemathesis: the gateway's OpenAPI and each service's own
(service-management, data-sharing, every department's business system), as an anonymous caller, an
applicant (a natural person at assurance level 2) and an administrator, on a standalone platform of its own
started on free loopback ports. Any 5xx fails the run, and so does a 4xx that is not problem+json or a
request the platform did not answer at all (a reset connection).

`make fuzz` runs the full matrix (`python -m tests.fuzz`); tests/fuzz/test_fuzz_short.py runs a short one in
`make test`. Each `schemathesis run` is a process of its own, bounded by `--max-time`; the findings come
from the check in tests/fuzz/hooks.py and the errors from schemathesis' JSON report."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.platform import SUITE_GATEWAY_RATES, Process, free_port, start_process, wait_ready
from tests.fuzz.hooks import FINDINGS_ENV, PY_SPY_ENV, ROLE_ENV, SERVER_PID_ENV, SLOW_ENV, TARGET_ENV

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo12345"  # the demo staff accounts' password (README, gateway settings)
# A person of the demo population registry, with the phone the registry holds (the L2 code goes there).
APPLICANT = {"id_number": "11010519491231002X", "name": "张三", "phone": "13800138000", "password": "fuzz-secret-1"}
DEPARTMENTS = ("amr", "psb", "hrss")  # the standalone platform's business systems (gov_standalone.app)
ROLES = ("anonymous", "applicant", "admin")
# The short run of `make test` (tests/fuzz/test_fuzz_short.py): the gateway's routing as a stranger, and the
# services' own APIs, whose parameters and bodies their OpenAPI describes in full, as the roles that reach
# furthest into them; one business system stands for all (the same code, another department).
SHORT_PLAN = (
    ("gateway", "anonymous"),
    ("service-management", "admin"),
    ("service-management", "applicant"),
    ("data-sharing", "admin"),
    ("data-sharing", "applicant"),
    ("business-amr", "admin"),
)
# The least time worth a `schemathesis run`: loading the schema and a first pass over its operations. 3 s was
# not enough on a busy machine (CI beside Playwright, 2026-12-05: the gateway's small run fuzzed nothing).
MIN_RUN_SECONDS = 8.0
# How often a run that tested no operation at all is run again, with twice the time each time.
EMPTY_RUN_RETRIES = 2


@dataclass(frozen=True)
class Target:
    """One OpenAPI document and the base URL its operations are served under."""

    name: str
    schema_url: str
    base_url: str


@dataclass
class Platform:
    process: Process
    public_url: str
    # Where the services' own APIs are served: a loopback listener of their own when the standalone
    # platform has one (--internal-port), else its public port.
    internal_url: str

    def targets(self, departments: Sequence[str] = DEPARTMENTS) -> list[Target]:
        services = [
            ("service-management", "/internal/service-management"),
            ("data-sharing", "/internal/data-sharing"),
            *[(f"business-{d}", f"/internal/business/{d}") for d in departments],
        ]
        return [
            Target("gateway", f"{self.public_url}/openapi.json", self.public_url),
            *[
                Target(name, f"{self.internal_url}{mount}/openapi.json", self.internal_url + mount)
                for name, mount in services
            ],
        ]


@dataclass
class RunResult:
    target: str
    role: str
    budget: float
    seconds: float
    operations: int
    test_cases: int
    exit_code: int
    errors: list[str] = field(default_factory=list)  # requests without an answer, schemathesis' own errors
    output_tail: str = ""


@dataclass
class Report:
    runs: list[RunResult]
    findings: list[dict[str, Any]]
    slow: list[dict[str, Any]]
    stalls: list[Path]
    notes: list[str]
    seconds: float
    seed: int

    @property
    def server_errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["kind"] == "server_error"]

    @property
    def not_problems(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["kind"] == "not_problem_json"]

    @property
    def errors(self) -> list[tuple[RunResult, str]]:
        return [(run, error) for run in self.runs for error in run.errors]

    @property
    def passed(self) -> bool:
        return not self.findings and not self.errors

    def summary(self) -> str:
        lines = [f"{'target':<20} {'role':<10} {'operations':>10} {'requests':>9} {'seconds':>8}  result"]
        for run in self.runs:
            found = [f for f in self.findings if f["target"] == run.target and f["role"] == run.role]
            result = f"{len(found)} finding(s), {len(run.errors)} error(s)" if found or run.errors else "ok"
            lines.append(
                f"{run.target:<20} {run.role:<10} {run.operations:>10} {run.test_cases:>9} "
                f"{run.seconds:>8.1f}  {result}"
            )
        lines.append(
            f"total: {len(self.runs)} runs, {sum(r.operations for r in self.runs)} operations fuzzed "
            f"({self.distinct_operations} distinct), {sum(r.test_cases for r in self.runs)} requests, "
            f"{self.seconds:.0f} s, {len(self.server_errors)} 5xx, {len(self.not_problems)} 4xx not problem+json, "
            f"{len(self.errors)} errors, seed {self.seed}: {'PASSED' if self.passed else 'FAILED'}"
        )
        for title, found in (("5xx", self.server_errors), ("4xx not problem+json", self.not_problems)):
            for (target, operation, status), examples in _grouped(found).items():
                roles = ", ".join(sorted({f["role"] for f in examples}))
                lines.append(f"\n{title}: {target} {operation} → {status} ({len(examples)}×, as {roles}), e.g.")
                lines.append(f"  {examples[0]['curl']}\n  answered: {examples[0]['answer'][:300]}")
        for run, error in self.errors:
            lines.append(f"\nerror: {run.target} as {run.role}: {error}")
        if self.slow:
            lines.append(f"\n{len(self.slow)} answer(s) slower than {SLOW_SECONDS:.0f} s (not a failure):")
            for (target, operation, _status), examples in _grouped(self.slow).items():
                slowest = max(examples, key=lambda f: float(f["elapsed"]))
                lines.append(f"  {target} {operation}: {float(slowest['elapsed']):.1f} s, {slowest['curl']}")
        lines += [f"\nnote: {note}" for note in self.notes]
        if self.stalls:
            lines.append(
                f"\n{len(self.stalls)} dump(s) of the platform's stacks while a request waited (py-spy): "
                f"{self.stalls[0].parent}/stall-*.txt"
            )
        return "\n".join(lines)

    @property
    def distinct_operations(self) -> int:
        return sum(
            max((r.operations for r in self.runs if r.target == t), default=0) for t in {r.target for r in self.runs}
        )


# An answer slower than this is reported (not failed), and a request unanswered this long gets the
# platform's stacks dumped (py-spy).
SLOW_SECONDS = float(os.environ.get("FUZZ_SLOW_SECONDS", "10"))


def _grouped(findings: list[dict[str, Any]]) -> dict[tuple[str, str, int], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for f in findings:
        groups.setdefault((f["target"], f["operation"], f["status"]), []).append(f)
    return groups


def _standalone_has_internal_port() -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "gov_standalone", "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return "--internal-port" in help_text


@contextmanager
def standalone_platform(work_dir: Path) -> Iterator[Platform]:
    """A standalone platform with its demo data, on free loopback ports, stopped on leaving."""
    port = free_port()
    args = ["-m", "gov_standalone", "--host", "127.0.0.1", "--port", str(port), "--var-dir", str(work_dir / "var")]
    internal_port = None
    if _standalone_has_internal_port():
        internal_port = free_port()
        args += ["--internal-port", str(internal_port)]
    process = start_process("standalone", args, SUITE_GATEWAY_RATES, port, work_dir)
    try:
        wait_ready(process)
        internal_url = f"http://127.0.0.1:{internal_port}" if internal_port else process.url
        yield Platform(process=process, public_url=process.url, internal_url=internal_url)
    finally:
        process.stop()


def _bearer(response: httpx.Response) -> dict[str, str]:
    if response.status_code != 200:
        raise RuntimeError(f"signing in failed: {response.status_code} {response.text}")
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _applicant(client: httpx.Client) -> dict[str, str]:
    registered = client.post("/api/v1/auth/register", json={"account_type": "person", **APPLICANT})
    if registered.status_code not in (201, 409):
        raise RuntimeError(f"registering the applicant failed: {registered.status_code} {registered.text}")
    token = {"username": APPLICANT["id_number"], "password": APPLICANT["password"]}
    applicant = _bearer(client.post("/api/v1/auth/token", data=token))
    if client.get("/api/v1/me", headers=applicant).json()["assurance_level"] < 2:  # L2 already if signed in before
        sent = client.post("/api/v1/me/assurance/phone-code", headers=applicant)
        if sent.status_code != 202:
            raise RuntimeError(f"asking for a phone code failed: {sent.status_code} {sent.text}")
        outbox = client.get("/api/v1/dev/sms-outbox", params={"phone": APPLICANT["phone"]}).json()
        code = {"code": outbox[0]["code"]}
        applicant = _bearer(client.post("/api/v1/me/assurance/phone-verify", json=code, headers=applicant))
    return applicant


def _admin(client: httpx.Client) -> dict[str, str]:
    return _bearer(client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}))


_SIGN_IN = {"anonymous": lambda _client: {}, "applicant": _applicant, "admin": _admin}


def sign_in(public_url: str, roles: Sequence[str] = ROLES) -> dict[str, dict[str, str]]:
    """The headers of each role: nothing, an applicant raised to L2 by a phone code, the demo administrator."""
    with httpx.Client(base_url=public_url, timeout=30) as client:
        return {role: _SIGN_IN[role](client) for role in roles}


def still_signed_in(public_url: str, headers: dict[str, str]) -> bool:
    """Whether a role's token still works: fuzzing as the administrator may well end its own sessions
    (e.g. `POST /staff/admin/totp/reset`), after which every later run as it would see only 401."""
    if not headers:
        return True
    return httpx.get(f"{public_url}/api/v1/me", headers=headers, timeout=30).status_code == 200


def _operations(target: Target) -> int:
    schema = httpx.get(target.schema_url, timeout=30).raise_for_status().json()
    verbs = {"get", "put", "post", "delete", "patch", "head", "options"}
    return sum(1 for item in schema["paths"].values() for verb in item if verb in verbs)


def _budgets(plan: list[tuple[Target, str]], seconds: float) -> list[float]:
    """The time of each run, in proportion to its operations, none below the least worth running."""
    sizes = [_operations(target) for target, _role in plan]
    total = sum(sizes) or 1
    return [max(MIN_RUN_SECONDS, seconds * size / total) for size in sizes]


def _py_spy() -> str | None:
    """py-spy beside this Python, or on the PATH: optional, to see where a stalled request waits."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _run(
    target: Target, role: str, headers: dict[str, str], budget: float, work_dir: Path, seed: int, server_pid: int
) -> RunResult:
    stem = f"{target.name}-{role}"
    report_path = work_dir / f"{stem}.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        target.schema_url,
        "--url",
        target.base_url,
        "--max-time",
        str(max(1, round(budget))),
        "--checks",
        "not_a_server_error,platform_answers",
        "--request-timeout",
        "60",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
        "--seed",
        str(seed),
        "--workers",
        os.environ.get("FUZZ_WORKERS", "1"),
        "--no-color",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        FINDINGS_ENV: str(work_dir / f"{stem}.findings.jsonl"),
        ROLE_ENV: role,
        TARGET_ENV: target.name,
        SLOW_ENV: str(SLOW_SECONDS),
        SERVER_PID_ENV: str(server_pid),
        PY_SPY_ENV: _py_spy() or "",
    }
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=budget + 300, check=False)
    seconds = time.monotonic() - started
    (work_dir / f"{stem}.out").write_text(done.stdout + done.stderr)
    result = RunResult(
        target=target.name,
        role=role,
        budget=budget,
        seconds=seconds,
        operations=0,
        test_cases=0,
        exit_code=done.returncode,
        output_tail=(done.stdout + done.stderr)[-3000:],
    )
    if not report_path.exists():
        result.errors.append(f"schemathesis ended ({done.returncode}) without a report:\n{result.output_tail}")
        return result
    report = json.loads(report_path.read_text())
    result.operations = int(report["operations"]["tested"])
    result.test_cases = int(report["test_cases"]["generated"])
    for error in report.get("errors", []):
        result.errors.append(json.dumps(error, ensure_ascii=False)[:1500])
    return result


def _read_findings(work_dir: Path) -> list[dict[str, Any]]:
    findings = []
    for path in sorted(work_dir.glob("*.findings.jsonl")):
        findings += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return findings


def run_until_tested(
    run_once: Callable[[float], RunResult], budget: float, notes: list[str], log: Any, output: Path
) -> RunResult:
    """One run, again with twice the time when it tested no operation and reported no error: a busy machine
    can spend a short run's whole time before its first operation (CI beside Playwright, 2026-12-06: the
    gateway's 8 s run tested none in 13 s). At most EMPTY_RUN_RETRIES times; each time is noted, and what the
    empty run printed is kept beside (`<stem>.empty-N.out`)."""
    run = run_once(budget)
    for attempt in range(1, EMPTY_RUN_RETRIES + 1):
        if run.operations or run.errors:
            break
        if output.exists():
            output.replace(output.with_suffix(f".empty-{attempt}.out"))
        budget *= 2
        notes.append(f"{run.target} as {run.role} tested no operation: ran again for {budget:.0f} s")
        log(notes[-1])
        run = run_once(budget)
    return run


def fuzz(
    work_dir: Path,
    *,
    seconds: float,
    plan: Sequence[tuple[str, str]] | None = None,
    seed: int | None = None,
    log: Any = print,
) -> Report:
    """Starts a standalone platform, fuzzes each (target name, role) of the plan (every target as every role
    when none is given) within `seconds` of fuzzing in all, and stops the platform."""
    started = time.monotonic()
    seed = seed if seed is not None else random.randrange(2**32)
    work_dir.mkdir(parents=True, exist_ok=True)
    with standalone_platform(work_dir) as platform:
        headers = sign_in(platform.public_url)
        targets = {t.name: t for t in platform.targets()}
        chosen = (
            [(targets[name], role) for name, role in plan]
            if plan
            else [(t, r) for t in targets.values() for r in ROLES]
        )
        budgets = _budgets(chosen, seconds)
        runs = []
        notes = []
        last_used: dict[str, str] = {}
        for (target, role), budget in zip(chosen, budgets, strict=True):
            if not still_signed_in(platform.public_url, headers[role]):
                notes.append(f"the {role}'s token ended while fuzzing {last_used[role]}: signed in again")
                headers.update(sign_in(platform.public_url, [role]))
            log(f"fuzzing {target.name} as {role} for {budget:.0f} s ({target.schema_url})")
            runs.append(
                run_until_tested(
                    lambda budget, target=target, role=role: _run(
                        target, role, headers[role], budget, work_dir, seed, platform.process.popen.pid
                    ),
                    budget,
                    notes,
                    log,
                    work_dir / f"{target.name}-{role}.out",
                )
            )
            last_used[role] = target.name
    found = _read_findings(work_dir)
    return Report(
        runs=runs,
        findings=[f for f in found if f["kind"] != "slow"],
        slow=[f for f in found if f["kind"] == "slow"],
        stalls=sorted(work_dir.glob("stall-*.txt")),
        notes=notes,
        seconds=time.monotonic() - started,
        seed=seed,
    )
