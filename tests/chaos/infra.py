"""The suite's own PostgreSQL and Kafka: the project's scripts (scripts/infra) with a directory and ports of
their own, because the suite kills them. The shared servers of `make test` (25432, 29092-29094) are never
touched; the ports here are checked to be free (or to be ours, left from an earlier run) before starting."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
SHARED_PORTS = {25432, 29092, 29093, 29094}


@dataclass
class OwnInfra:
    directory: Path
    pg_port: int = 25452
    kafka_port: int = 29152
    controller_port: int = 29153
    sasl_port: int = 29154

    def __post_init__(self) -> None:
        self.directory = self.directory.resolve()  # the scripts run PostgreSQL from /
        ports = {self.pg_port, self.kafka_port, self.controller_port, self.sasl_port}
        if ports & SHARED_PORTS or len(ports) != 4:
            raise ValueError(f"the suite's own servers need four ports of their own, not {sorted(ports)}")

    @property
    def env(self) -> dict[str, str]:
        return {
            "GOV_INFRA_DIR": str(self.directory),
            "GOV_PG_PORT": str(self.pg_port),
            "GOV_KAFKA_PORT": str(self.kafka_port),
            "GOV_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "GOV_KAFKA_SASL_PORT": str(self.sasl_port),
        }

    @property
    def pg_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/postgres"

    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def script(self, name: str, command: str, timeout: float = 120.0) -> None:
        # The scripts' own variables for the shared servers (an external URL or broker) must not leak in.
        env = {k: v for k, v in os.environ.items() if k not in ("GOV_PG_ADMIN_URL", "GOV_KAFKA_BOOTSTRAP")}
        done = subprocess.run(
            [str(ROOT / "scripts" / "infra" / name), command],
            env=env | self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} {command} failed ({done.returncode}):\n{done.stderr[-3000:]}")

    def check_ports(self) -> None:
        """Refuses ports another program listens on (unless it is our own server from an earlier run)."""
        ours = {self.pg_port: self.postmaster_pid() is not None, self.kafka_port: self.broker_pid() is not None}
        for port in (self.pg_port, self.kafka_port, self.controller_port, self.sasl_port):
            if ours.get(port) or (port in (self.controller_port, self.sasl_port) and ours[self.kafka_port]):
                continue
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(f"port {port} is taken by another program; choose other ports (--pg-port ...)")

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.check_ports()
        self.start_postgres()
        self.start_kafka()

    def stop(self) -> None:
        for name in ("kafka.sh", "postgres.sh"):
            try:
                self.script(name, "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass

    def start_postgres(self) -> None:
        self.script("postgres.sh", "start")
        self._durable_commits()

    def _durable_commits(self) -> None:
        """Commits that survive a killed postmaster, as in production. The scripts' cluster acknowledges a commit
        before its WAL reaches the kernel (synchronous_commit=off, for speed); killed with SIGKILL, it then forgets
        transactions it had acknowledged, and their events, already relayed to Kafka, describe changes that no
        longer exist. (fsync=off stays: the operating system keeps what was written when a process dies.)
        ALTER SYSTEM lands in postgresql.auto.conf, read after the scripts' own settings."""
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres", autocommit=True) as conn:
            row = conn.execute("SHOW synchronous_commit").fetchone()
            if row is None or row[0] != "on":
                conn.execute("ALTER SYSTEM SET synchronous_commit = on")
                conn.execute("SELECT pg_reload_conf()")

    def start_kafka(self) -> None:
        self.script("kafka.sh", "start")

    def postmaster_pid(self) -> int | None:
        """The running postmaster of our cluster (its data directory may be the fallback under /tmp)."""
        for data in self._pg_data_dirs():
            try:
                pid = int((data / "postmaster.pid").read_text().split()[0])
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue
            if f"postgres -D {data} " in cmdline:
                return pid
        return None

    def broker_pid(self) -> int | None:
        try:
            pid = int((self.directory / "kafka" / "kafka.pid").read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"kafka" in cmdline else None

    def kill_postgres(self) -> int:
        return _kill(self.postmaster_pid(), "the PostgreSQL postmaster")

    def kill_kafka(self) -> int:
        return _kill(self.broker_pid(), "the Kafka broker")

    def _pg_data_dirs(self) -> list[Path]:
        digest = hashlib.sha256(str(self.directory).encode()).hexdigest()[:12]
        return [self.directory / "pg" / "data", Path(f"/tmp/gov-infra-{digest}/pg/data")]  # noqa: S108 - as postgres.sh


def _kill(pid: int | None, what: str) -> int:
    if pid is None:
        raise RuntimeError(f"{what} of the suite's own servers is not running")
    os.kill(pid, signal.SIGKILL)
    return pid
