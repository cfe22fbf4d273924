"""Schemathesis hooks of the fuzzing run (loaded by each `schemathesis run` through SCHEMATHESIS_HOOKS).

One check, `platform_answers`, writes every answer that breaks the platform's contract to the JSON Lines
file named by GOV_FUZZ_FINDINGS, with what is needed to send the request again: a 5xx (a dependency
outage of a healthy platform is a finding too) and a 4xx that is not `application/problem+json`. An answer
slower than GOV_FUZZ_SLOW_SECONDS is written down too, as `slow`, without failing."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

FINDINGS_ENV = "GOV_FUZZ_FINDINGS"
ROLE_ENV = "GOV_FUZZ_ROLE"
TARGET_ENV = "GOV_FUZZ_TARGET"
SLOW_ENV = "GOV_FUZZ_SLOW_SECONDS"
PROBLEM_JSON = "application/problem+json"
_lock = threading.Lock()


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
