"""Starting the platform for end-to-end tests: as separate processes (distributed) or as one
(standalone), always as real servers on loopback, and talking to it as its users would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEMO_PASSWORD = "demo12345"
ITEM_INSTANT = "330122-AMR-XK-0001"  # 个体工商户设立登记, instant approval
ITEM_REVIEWED = "330122-AMR-XK-0002"  # 食品经营许可, needs a reviewer
ITEM_PSB_INSTANT = "330122-PSB-XK-0001"  # 居住证申领, instant approval
# The item handler plugins each department's business system loads (BS_HANDLERS).
DEPARTMENT_HANDLERS = {"amr": ["individual-business", "food-business"]}

# Resident ID numbers with correct check digits (GB 11643).
ADULTS = [
    "11010519491231002X",
    "110101199003077758",
    "110101198001010053",
    "110101199001011210",
    "320102198505054215",
    "33012219920202001X",
]
MINOR = "110105200906150021"  # born 2009-06-15

# The suites register and log in many applicants from one address (loopback) within the hour, far
# beyond the front door's limits per address (docs/identity.md), which have tests of their own
# (tests/gateway/test_front_door_throttle.py); the limits per account (phone codes) stay as they are.
SUITE_GATEWAY_RATES = {
    "GW_RATE_REGISTRATION__LIMIT": "100000",
    "GW_RATE_TOKEN__LIMIT": "100000",
    "GW_RATE_LICENSE_VERIFY__LIMIT": "100000",
    "GW_RATE_LICENSE_MISSES__LIMIT": "100000",
}


# data-sharing checkpoints its audit log every second, so that a test can verify an export against one.
SUITE_AUDIT = {"DS_AUDIT_CHECKPOINT_SECONDS": "1"}


# Ports for the servers a test starts: below the kernel's ephemeral range (32768–60999 by default), where every
# outgoing connection takes its local port. A port picked there and released (bind to port 0) stays free only
# until an outgoing connection of any process takes it, and a server starting seconds later (imports,
# migrations) then fails to bind: seen in CI, a business system of a test platform exiting on "address already
# in use". Each pytest-xdist worker hands out ports of its own slice, in turn, never one twice while a port of
# its slice is left; a process outside pytest-xdist (the benchmark, `make chaos`) has the last slice. The UI's
# scenarios take theirs from 24500–25399 (ui/e2e/global-setup.ts); PostgreSQL and Kafka listen on 25432 and
# 29092–29094 (scripts/infra).
PORT_SLICE_START, PORT_SLICE_SIZE, PORT_SLICES = 12000, 2500, 5
_next_port: list[int] = []


def _port_slice() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, …
    index = int(worker[2:]) % (PORT_SLICES - 1) if worker[2:].isdigit() else PORT_SLICES - 1
    start = PORT_SLICE_START + index * PORT_SLICE_SIZE
    return range(start, start + PORT_SLICE_SIZE)


def free_port() -> int:
    """A loopback port nothing listens on, from this process's slice (above); the next call gives another."""
    ports = _port_slice()
    if not _next_port:
        _next_port.append(ports.start + (os.getpid() * 7919) % len(ports))  # another start per process
    for _ in range(len(ports)):
        port = ports.start + (_next_port[0] - ports.start) % len(ports)
        _next_port[0] = port + 1
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use (or kept by a connection that just ended): the next one
            return port
    raise RuntimeError(f"no free loopback port in {ports.start}–{ports.stop - 1}")


@dataclass
class Process:
    name: str
    url: str
    popen: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def restart(self) -> None:
        """Starts the process again after it ended (killed by the fault-injection suite, tests/chaos): the same
        command, environment and port; its log goes on in the same file."""
        if self.popen.poll() is None:
            raise RuntimeError(f"{self.name} still runs (pid {self.popen.pid})")
        self.popen = _spawn(self.args, self.env, self.log, "ab")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_process(name: str, args: list[str], env: dict[str, str], port: int, log_dir: Path) -> Process:
    log = log_dir / f"{name}.log"
    popen = _spawn(args, env, log, "wb")
    return Process(name=name, url=f"http://127.0.0.1:{port}", popen=popen, log=log, args=args, env=env)


def _spawn(args: list[str], env: dict[str, str], log: Path, mode: str) -> subprocess.Popen[bytes]:
    with log.open(mode) as handle:
        return subprocess.Popen(
            [sys.executable, *args],
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def wait_ready(process: Process, timeout: float = 180.0) -> None:
    """Polls /readyz; a platform of five processes starting at once on a busy 2-core machine took over 90 s."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(
                f"{process.name} exited ({process.popen.returncode}):\n{process.log.read_text()[-4000:]}"
            )
        try:
            response = httpx.get(process.url + "/readyz", timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{process.name} not ready after {timeout}s ({last}):\n{process.log.read_text()[-4000:]}")


@dataclass
class Platform:
    mode: str
    base_url: str
    processes: list[Process] = field(default_factory=list)
    client_secrets: dict[str, str] = field(default_factory=dict)
    # Distributed mode: the topic namespace, each service's database URL and each process's
    # environment (by process name), for tests that start another replica or read Kafka; in
    # standalone mode the one process's environment, for a restart.
    namespace: str = ""
    databases: dict[str, str] = field(default_factory=dict)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    # Each service's own address, for tests that call a service directly rather than through the
    # gateway: "service-management", "data-sharing", "business-systems.<department>". In standalone
    # mode these are the mounts of the internal listener (127.0.0.1 only).
    services: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)


STANDALONE_DEPARTMENTS = ("amr", "psb", "hrss")


def start_standalone(work_dir: Path) -> Platform:
    port, internal_port = free_port(), free_port()
    ports = ["--port", str(port), "--internal-port", str(internal_port)]
    args = ["-m", "gov_standalone", *ports, "--var-dir", str(work_dir / "var")]
    process = start_process("standalone", args, SUITE_GATEWAY_RATES | SUITE_AUDIT, port, work_dir)
    internal = f"http://127.0.0.1:{internal_port}/internal"
    platform = Platform(
        mode="standalone",
        base_url=process.url,
        processes=[process],
        envs={"standalone": SUITE_GATEWAY_RATES | SUITE_AUDIT},
        services={
            "service-management": f"{internal}/service-management",
            "data-sharing": f"{internal}/data-sharing",
            **{f"business-systems.{d}": f"{internal}/business/{d}" for d in STANDALONE_DEPARTMENTS},
        },
    )
    try:
        wait_ready(process)
    except Exception:
        platform.stop()
        raise
    return platform


def start_distributed(
    work_dir: Path, *, databases: dict[str, str], kafka: str, departments: tuple[str, ...] = ("amr", "psb")
) -> Platform:
    namespace = f"e2e{uuid.uuid4().hex[:8]}."
    client_secrets = {
        c: uuid.uuid4().hex
        for c in ["service-management", "data-sharing", *[f"business-systems.{d}" for d in departments]]
    }
    ports = {name: free_port() for name in ["gw", "sm", "ds", *departments]}
    gw_url = f"http://127.0.0.1:{ports['gw']}"
    kafka_env = {
        "BUS": "kafka",
        "KAFKA_BOOTSTRAP": kafka,
        "TOPIC_NAMESPACE": namespace,
        "ENVIRONMENT": "test",
        "RELAY_POLL_SECONDS": "1",
        "JWKS_URL": f"{gw_url}/api/v1/auth/jwks",
    }

    def env(prefix: str, client_id: str | None = None, **values: str) -> dict[str, str]:
        if client_id:
            values = {
                **values,
                "service_client_id": client_id,
                "service_client_secret": client_secrets[client_id],
                "token_url": f"{gw_url}/api/v1/auth/token",
            }
        return {f"{prefix}{k.upper()}": v for k, v in {**kafka_env, **values}.items()}

    specs: list[tuple[str, str, dict[str, str], int]] = [
        (
            "service-management",
            "service_management",
            env(
                "SM_",
                "service-management",
                database_url=databases["sm"],
                seed_demo="true",
                data_sharing_url=f"http://127.0.0.1:{ports['ds']}",
                file_store_url=str(work_dir / "files" / "service-management"),
            ),
            ports["sm"],
        ),
        (
            "data-sharing",
            "data_sharing",
            env(
                "DS_",
                "data-sharing",
                database_url=databases["ds"],
                license_signing_key_path=str(work_dir / "keys" / "license.pem"),
                seed_demo="true",  # the demo registries, as the standalone platform has them
            )
            | SUITE_AUDIT,
            ports["ds"],
        ),
        *[
            (
                f"business-systems-{d}",
                "business_systems",
                env(
                    "BS_",
                    f"business-systems.{d}",
                    database_url=databases[f"bs_{d}"],
                    department_code=d,
                    handlers=",".join(DEPARTMENT_HANDLERS.get(d, [])),
                    file_store_url=str(work_dir / "files" / f"business-{d}"),
                    data_sharing_url=f"http://127.0.0.1:{ports['ds']}",
                ),
                ports[d],
            )
            for d in departments
        ],
        (
            "portal-gateway",
            "portal_gateway",
            env(
                "GW_",
                database_url=databases["gw"],
                seed_demo="true",
                token_signing_key_path=str(work_dir / "keys" / "token.pem"),
                service_management_url=f"http://127.0.0.1:{ports['sm']}",
                data_sharing_url=f"http://127.0.0.1:{ports['ds']}",
                business_systems_urls=json.dumps({d: f"http://127.0.0.1:{ports[d]}" for d in departments}),
                demo_departments=json.dumps(list(departments)),
                service_clients=json.dumps(client_secrets),
                sms_dev_outbox=str(work_dir / "sms-outbox.jsonl"),
            )
            | SUITE_GATEWAY_RATES,
            ports["gw"],
        ),
    ]
    platform = Platform(
        mode="distributed",
        base_url=gw_url,
        client_secrets=client_secrets,
        namespace=namespace,
        databases=databases,
        services={
            "service-management": f"http://127.0.0.1:{ports['sm']}",
            "data-sharing": f"http://127.0.0.1:{ports['ds']}",
            **{f"business-systems.{d}": f"http://127.0.0.1:{ports[d]}" for d in departments},
        },
    )
    try:
        for name, package, variables, port in specs:
            platform.envs[name] = variables
            platform.processes.append(
                start_process(
                    name, ["-m", package, "serve", "--migrate", "--port", str(port)], variables, port, work_dir
                )
            )
        for process in platform.processes:
            wait_ready(process)
    except Exception:
        platform.stop()
        raise
    return platform


def start_replica(platform: Platform, work_dir: Path, department: str, replica: int = 2) -> Process:
    """Another process of a department's business system: the same database, the same consumer
    group, its own port. The caller owns it and stops it; it is not one of `platform.processes`."""
    port = free_port()
    env = {**platform.envs[f"business-systems-{department}"], "BS_INSTANCE_ID": f"{department}-replica-{replica}"}
    process = start_process(
        f"business-systems-{department}-{replica}",
        ["-m", "business_systems", "serve", "--port", str(port)],
        env,
        port,
        work_dir,
    )
    try:
        wait_ready(process)
    except Exception:
        process.stop()
        raise
    return process


def start_management_replica(platform: Platform, work_dir: Path, replica: int = 2) -> Process:
    """Another process of service-management with its event worker: the same database, the same consumer
    group, its own port (the gateway does not route to it). It does not seed the demo data again. The
    caller owns it and stops it; it is not one of `platform.processes`."""
    port = free_port()
    env = {**platform.envs["service-management"], "SM_SEED_DEMO": "false"}
    process = start_process(
        f"service-management-{replica}", ["-m", "service_management", "serve", "--port", str(port)], env, port, work_dir
    )
    try:
        wait_ready(process)
    except Exception:
        process.stop()
        raise
    return process


class Applicant:
    """A citizen using the platform through the gateway."""

    def __init__(self, client: httpx.Client, id_number: str, name: str = "测试用户") -> None:
        self.client = client
        self.id_number = id_number
        response = client.post(
            "/api/v1/auth/register",
            json={
                "account_type": "person",
                "id_number": id_number,
                "name": name,
                "phone": "13800138000",
                "password": "secret-pass-1",
            },
        )
        assert response.status_code in (201, 409), response.text
        self.headers = login(client, id_number, "secret-pass-1")

    def raise_by_phone(self) -> Applicant:
        """To L2: the one-time code sent to the phone the population registry holds for the person
        (read from the development SMS outbox, as a developer would)."""
        if self.client.get("/api/v1/me", headers=self.headers).json()["assurance_level"] >= 2:
            return self  # raised already (the platform is shared by the session's tests)
        sent = self.client.post("/api/v1/me/assurance/phone-code", headers=self.headers)
        assert sent.status_code == 202, sent.text
        masked = sent.json()["phone_masked"]
        outbox = self.client.get("/api/v1/dev/sms-outbox").json()
        code = next(m["code"] for m in outbox if m["phone"][:3] == masked[:3] and m["phone"][-4:] == masked[-4:])
        raised = self.client.post("/api/v1/me/assurance/phone-verify", json={"code": code}, headers=self.headers)
        assert raised.status_code == 200, raised.text
        self.headers = {"Authorization": f"Bearer {raised.json()['access_token']}"}
        return self

    def verified_at_window(self, name: str) -> Applicant:
        """To L3: a window clerk checked the identity document (for a number the registry lacks)."""
        clerk = login(self.client, "clerk", DEMO_PASSWORD)
        verified = self.client.post(
            "/api/v1/accounts/walk-in/verify-in-person",
            json={"account_type": "person", "id_number": self.id_number, "name": name},
            headers=clerk,
        )
        assert verified.status_code == 200, verified.text
        self.headers = login(self.client, self.id_number, "secret-pass-1")
        return self

    def read(self, path: str, budget: float = 60.0) -> httpx.Response:
        """GET `path` as the applicant; an honest 503 (Retry-After: a dependency took longer than its short
        timeout, which happens when the machine is busy) is asked again after the time it names, within
        `budget` seconds; any other answer is returned as it is."""
        return _sent_until_not_503(lambda: self.client.get(path, headers=self.headers), budget)[0]

    def submit(self, item_code: str, form: dict[str, Any], budget: float = 60.0) -> tuple[httpx.Response, int]:
        """POST /api/v1/cases as the applicant, as the UI files (ui/src/api): with an Idempotency-Key, and
        sent again with it after a 503 that names when to come back (Retry-After: the service shed the load
        of a busy machine), within `budget` seconds. The last answer and how many 503s came before it."""
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        body = {"item_code": item_code, "form": form}

        def shed_quickly(response: httpx.Response) -> None:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
            assert response.elapsed.total_seconds() < 10, "a 503 is quick, never the gateway's 10 s timeout"

        return _sent_until_not_503(
            lambda: self.client.post("/api/v1/cases", json=body, headers=headers), budget, check=shed_quickly
        )

    def file(self, item_code: str, form: dict[str, Any]) -> str:
        response, _ = self.submit(item_code, form)
        assert response.status_code == 201, response.text
        return str(response.json()["case_no"])

    def case(self, case_no: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/cases/{case_no}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_for(self, case_no: str, status: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        case = self.case(case_no)
        while case["status"] != status and time.monotonic() < deadline:
            time.sleep(0.05)
            case = self.case(case_no)
        assert case["status"] == status, case
        return case


def _sent_until_not_503(
    send: Callable[[], httpx.Response], budget: float, check: Callable[[httpx.Response], None] | None = None
) -> tuple[httpx.Response, int]:
    """`send()` again after each 503, once the time its Retry-After names has passed (at most 2 s a time),
    within `budget` seconds; each 503 must name it, and passes `check`. The last answer and how many 503s
    came before it."""
    deadline, refused = time.monotonic() + budget, 0
    while True:
        response = send()
        if response.status_code != 503 or time.monotonic() >= deadline:
            return response, refused
        assert "retry-after" in response.headers, response.text  # a 503 says when to come back
        if check is not None:
            check(response)
        refused += 1
        time.sleep(min(float(response.headers["retry-after"]), 2.0, max(0.0, deadline - time.monotonic())))


def login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


BUSINESS_FORM = {
    "business_name": "张三小吃店",
    "business_address": "示范县人民路1号",
    "business_scope": "小吃服务",
    "capital": 5,
}
FOOD_FORM = {
    "business_name": "张三小吃店",
    "business_address": "示范县人民路1号",
    "food_category": "热食类制售",
    "floor_area": 40,
}
