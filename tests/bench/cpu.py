"""CPU seconds per component, read from /proc: where a concluded case's CPU goes.

A rate measured on a shared 2-core machine moves with whatever else runs; the CPU each process spends per
concluded case does much less. Each platform process is counted with its descendants (uvicorn's worker
processes) and the children that already ended (`cutime`/`cstime`); PostgreSQL is every process whose
command is `postgres` (backends come and go: the postmaster's `cutime` keeps the ended ones), Kafka the JVM
running `kafka.Kafka`. Linux only; elsewhere the figures are absent."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds of the process and its ended children), or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command is in parentheses and may hold spaces; the fields after it are space-separated.
    command = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return command, int(fields[1]), (utime + stime + cutime + cstime) / _TICK


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _all() -> dict[int, tuple[str, int, float]]:
    out: dict[int, tuple[str, int, float]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit() and (s := _stat(int(entry))) is not None:
            out[int(entry)] = s
    return out


def sample(components: Mapping[str, Iterable[int]]) -> dict[str, float]:
    """CPU seconds so far of each named component (its root pids with every descendant), plus PostgreSQL
    and Kafka found by their commands."""
    table = _all()
    children: dict[int, list[int]] = {}
    for pid, (_, parent, _) in table.items():
        children.setdefault(parent, []).append(pid)

    def tree(root: int) -> float:
        total, stack = 0.0, [root]
        while stack:
            pid = stack.pop()
            if pid in table:
                total += table[pid][2]
                stack.extend(children.get(pid, []))
        return total

    out = {name: sum(tree(pid) for pid in pids) for name, pids in components.items()}
    out["postgresql"] = sum(cpu for command, _, cpu in table.values() if command == "postgres")
    out["kafka"] = sum(
        cpu for pid, (command, _, cpu) in table.items() if command == "java" and "kafka.Kafka" in _cmdline(pid)
    )
    return out


def per_case(
    before: dict[str, float],
    after: dict[str, float],
    concluded: int,
    seconds: float,
    idle: dict[str, float],
    less: dict[str, float] | None = None,
) -> dict[str, float] | None:
    """Milliseconds of CPU per concluded case, per component and in all, net of what each component spends
    idle (`idle`: CPU seconds per second, measured before the load) over the `seconds` between the samples
    and of `less` (CPU seconds per component: the bench's own timeline reads); None without a concluded case."""
    if concluded <= 0 or not before:
        return None
    less = less or {}
    out = {
        name: round(1000 * max(0.0, used - less.get(name, 0.0)) / concluded, 1)
        for name, used in spent(before, after, seconds, idle).items()
    }
    out["all"] = round(sum(out.values()), 1)
    return out


def idle_rate(components: Mapping[str, Iterable[int]], seconds: float) -> dict[str, float]:
    """CPU seconds per second each component spends with no load, over `seconds` (blocking)."""
    import time

    before, started = sample(components), time.monotonic()
    time.sleep(seconds)
    after, elapsed = sample(components), time.monotonic() - started
    return {name: max(0.0, after.get(name, 0.0) - spent) / elapsed for name, spent in before.items()}


def spent(
    before: dict[str, float], after: dict[str, float], seconds: float, idle: dict[str, float]
) -> dict[str, float]:
    """CPU seconds per component between two samples `seconds` apart, net of its idle CPU."""
    return {
        name: max(0.0, after.get(name, 0.0) - used - idle.get(name, 0.0) * seconds) for name, used in before.items()
    }
