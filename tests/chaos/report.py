"""The suite's report: a table per fault, the checks with their evidence, and the JSON."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any


def _n(value: object) -> str:
    return "-" if value is None else f"{value}"


def text(report: dict[str, Any]) -> str:
    lines = [
        f"fault-injection run {report.get('label')} ({report.get('run_id')}): "
        f"{report.get('options', {}).get('rate')} cases/s, {report.get('duration_seconds', '?')}s in all",
        "",
        f"{'fault':<32} {'offered':>7} {'accepted':>8} {'concluded':>9} {'stuck':>5} {'other':>5} "
        f"{'down s':>6} {'recovery s':>10}  statuses seen",
    ]
    for row in report.get("phases", []):
        statuses = " ".join(f"{k}:{v}" for k, v in row["statuses"].items()) or "-"
        lines.append(
            f"{row['phase']:<32} {row['offered']:>7} {row['accepted']:>8} {row['concluded']:>9} {row['stuck']:>5} "
            f"{row['other']:>5} {_n(row['down_seconds']):>6} {_n(row['recovery_seconds']):>10}  {statuses}"
        )
        unanswered = f"{row['unanswered']} accepted without their 201 reaching the client" if row["unanswered"] else ""
        note = "; ".join(n for n in (row.get("note"), unanswered) if n)
        if note:
            lines.append(f"{'':<32} note: {note[:300]}")
    if report.get("case_statuses"):
        lines += [
            "",
            "cases by last status: " + " ".join(f"{k}:{v}" for k, v in sorted(report["case_statuses"].items())),
        ]
    for note in report.get("notes", []):
        lines.append(f"note: {note}")
    lines.append("")
    for check in report.get("checks", []):
        lines.append(f"{'PASS' if check['passed'] else 'FAIL'}  {check['name']}")
        lines += [f"        {e}" for e in check["evidence"]]
    if "passed" in report:
        lines += ["", "PASSED" if report["passed"] else "FAILED"]
    return "\n".join(lines)


def write(report: dict[str, Any], output: Path) -> Path:
    output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = output / f"chaos-{report.get('label')}-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    shutil.copyfile(path, output / f"latest-{report.get('label')}.json")
    return path
