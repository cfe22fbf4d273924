"""Schemathesis hooks of the fuzzing run (loaded by each `schemathesis run` through SCHEMATHESIS_HOOKS).

One check, `platform_answers`, writes every answer that breaks the platform's contract to the JSON Lines
file named by GOV_FUZZ_FINDINGS, with what is needed to send the request again: a 5xx (a dependency
outage of a healthy platform is a finding too) and a 4xx that is not `application/problem+json`. An answer
slower than GOV_FUZZ_SLOW_SECONDS is written down too, as `slow`, without failing.

A request still unanswered after GOV_FUZZ_SLOW_SECONDS gets the platform's Python stacks dumped with
py-spy (when GOV_FUZZ_PY_SPY names it and GOV_FUZZ_SERVER_PID the platform's process) into the findings'
folder, so that a stall shows where it waits (py-spy is not pinned: `pip install py-spy` to have it)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

FINDINGS_ENV = "GOV_FUZZ_FINDINGS"
ROLE_ENV = "GOV_FUZZ_ROLE"
TARGET_ENV = "GOV_FUZZ_TARGET"
SLOW_ENV = "GOV_FUZZ_SLOW_SECONDS"
PY_SPY_ENV = "GOV_FUZZ_PY_SPY"
SERVER_PID_ENV = "GOV_FUZZ_SERVER_PID"
PROBLEM_JSON = "application/problem+json"
_lock = threading.Lock()
_watch = threading.local()


def _text(data: bytes | str | None, limit: int) -> str:
    if data is None:
        return ""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _record(kind: str, response: Response, case: Case) -> None:
    path = os.environ.get(FINDINGS_ENV)
    if not path:
        return
    request = response.request
    finding: dict[str, Any] = {
        "kind": kind,
        "target": os.environ.get(TARGET_ENV, ""),
        "role": os.environ.get(ROLE_ENV, ""),
        "operation": f"{case.method.upper()} {case.path}",
        "status": response.status_code,
        "elapsed": response.elapsed,
        "method": request.method,
        "url": _text(request.url, 2000),
        "body": _text(request.body, 2000),
        "content_type": response.headers.get("content-type", [""])[0] if response.headers else "",
        "answer": _text(response.content, 1000),
        "curl": _text(case.as_curl_command(), 4000),
    }
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(finding, ensure_ascii=False) + "\n")


@schemathesis.check
def platform_answers(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """No 5xx for any input; every 4xx an RFC 9457 problem."""
    status = response.status_code
    if response.elapsed > float(os.environ.get(SLOW_ENV, "10")):
        _record("slow", response, case)
    if status >= 500:
        _record("server_error", response, case)
        raise AssertionError(f"{status} answered")
    if 400 <= status < 500:
        types = response.headers.get("content-type", []) if response.headers else []
        if not any(t.split(";")[0].strip() == PROBLEM_JSON for t in types):
            _record("not_problem_json", response, case)
            raise AssertionError(f"{status} answered as {types or 'no content type'}, not {PROBLEM_JSON}")
    return None


def _dump_stacks(case: Case, started: float) -> None:
    """py-spy's dump of the platform while `case` waits for its answer."""
    findings = os.environ.get(FINDINGS_ENV)
    if not findings:
        return
    command = [os.environ[PY_SPY_ENV], "dump", "--pid", os.environ[SERVER_PID_ENV]]
    try:
        dumped = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        stacks = dumped.stdout + dumped.stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        stacks = f"py-spy failed: {exc}"
    out = Path(findings).with_name(f"stall-{os.getpid()}-{time.time_ns()}.txt")
    waited = time.monotonic() - started
    out.write_text(
        f"{case.method.upper()} {case.path} ({os.environ.get(TARGET_ENV)} as {os.environ.get(ROLE_ENV)}), "
        f"unanswered after {waited:.1f} s\n{_text(case.as_curl_command(), 4000)}\n\n{stacks}",
        encoding="utf-8",
    )


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    if not (os.environ.get(PY_SPY_ENV) and os.environ.get(SERVER_PID_ENV)):
        return
    timer = threading.Timer(float(os.environ.get(SLOW_ENV, "10")), _dump_stacks, args=(case, time.monotonic()))
    timer.daemon = True
    timer.start()
    _watch.timer = timer


def _stop_watching() -> None:
    timer = getattr(_watch, "timer", None)
    if timer is not None:
        timer.cancel()
        _watch.timer = None


@schemathesis.hook
def after_call(context: schemathesis.HookContext, case: Case, response: Response) -> None:
    _stop_watching()


@schemathesis.hook
def after_network_error(context: schemathesis.HookContext, case: Case, request: Any) -> None:
    _stop_watching()
