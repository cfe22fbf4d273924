"""Where a command's CPU goes, by component: runs the command (e.g. `make test`) and samples every process
started after it every `--every` seconds (/proc/<pid>/stat, user + system time), then prints the CPU seconds
by component (the browser, the Playwright runner, the pytest workers, the platforms' services, Kafka,
PostgreSQL, ...) and the whole machine's busy CPU over the same time (/proc/stat), so that what the samples
missed is visible: a process's time after its last sample, and processes shorter than one interval.

    python3 scripts/cpu_by_component.py --output test-output/cpu.txt -- make test

Used for issue 16 (the suite's time; README, "make test"). Standard library only,
so that it runs before the virtualenv exists. Exits with the command's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")

# First match wins: (substring of the command line, component).
COMPONENTS = [
    ("chromium", "browser (Chromium)"),
    ("playwright", "Playwright runner"),
    ("vite", "UI unit tests and build (node)"),  # vitest too
    ("node", "node (other)"),
    ("kafka.Kafka", "Kafka broker"),
    ("postgres", "PostgreSQL"),
    ("gov_standalone", "platform: standalone"),
    ("service_management", "platform: service-management"),
    ("data_sharing", "platform: data-sharing"),
    ("portal_gateway", "platform: gateway"),
    ("business_systems", "platform: business systems"),
    ("exec(eval(sys.stdin", "pytest workers"),  # pytest-xdist's workers (execnet)
    ("xdist", "pytest workers"),
    ("pytest", "pytest workers"),
    ("tests.", "test tools (bench, chaos, fuzz, ...)"),
    ("pip", "installs (uv, pip, npm, go, mvn)"),  # uv pip too
    ("npm", "installs (uv, pip, npm, go, mvn)"),
    ("mvn", "installs (uv, pip, npm, go, mvn)"),
    ("go ", "installs (uv, pip, npm, go, mvn)"),
    ("mypy", "lint"),
    ("ruff", "lint"),
    ("python", "python (other)"),
    ("java", "java (other)"),
]


def component(command: str) -> str:
    return next((name for key, name in COMPONENTS if key in command), "other")


def busy_seconds() -> float:
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def boot_ticks_now() -> float:
    with open("/proc/uptime") as uptime:
        return float(uptime.read().split()[0]) * TICKS


def sample(since: float, seen: dict[tuple[str, str], tuple[float, str]]) -> None:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline") as f:
                command = f.read().replace("\0", " ").strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        started = float(fields[19])  # clock ticks after boot
        if started < since:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        seen[(pid, fields[19])] = (cpu, command or stat.split("(", 1)[1].rsplit(")", 1)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between samples (1)")
    parser.add_argument("--output", type=Path, help="also write the table here")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("a command to run is needed, after --")

    since = boot_ticks_now()
    busy_before, started = busy_seconds(), time.monotonic()
    seen: dict[tuple[str, str], tuple[float, str]] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.wait(options.every):
            sample(since, seen)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    status = subprocess.call(command)  # noqa: S603 - the command line of the person running this
    sample(since, seen)
    done.set()
    watcher.join()
    busy, wall = busy_seconds() - busy_before, time.monotonic() - started

    totals: dict[str, float] = {}
    for cpu, line in seen.values():
        name = component(line)
        totals[name] = totals.get(name, 0.0) + cpu
    rows = [f"{cpu:9.0f}  {name}" for name, cpu in sorted(totals.items(), key=lambda kv: -kv[1])]
    rows += [
        f"{sum(totals.values()):9.0f}  sampled, in all",
        f"{busy:9.0f}  the machine's busy CPU over the run ({wall:.0f} s of wall time, {busy / wall:.2f} cores)",
    ]
    table = "CPU seconds by component of: " + " ".join(command) + "\n" + "\n".join(rows) + "\n"
    print(table, end="")
    if options.output:
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(table)
    return status


if __name__ == "__main__":
    sys.exit(main())
