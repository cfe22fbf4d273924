"""`serve --workers 2` (gov_common.cli): two API processes on one port, each with its own runtime, that
both serve requests, agree on the token-signing key they create at their first start, sum their
metrics on /metrics, and stop cleanly on SIGTERM. The gateway, as a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.mmap_dict import MmapedDict

from tests.e2e.platform import DEMO_PASSWORD, free_port


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_two_worker_processes_serve_and_stop_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GW_ENVIRONMENT": "test",
        "GW_DATABASE_URL": f"sqlite:///{tmp_path / 'gw.db'}",
        "GW_BUS": "local",
        "GW_LOCAL_BUS_PATH": str(tmp_path / "bus.db"),
        "GW_SEED_DEMO": "true",
        "GW_TOKEN_SIGNING_KEY_PATH": str(tmp_path / "keys" / "token.pem"),  # made at the first start
        "GW_SMS_DEV_OUTBOX": str(tmp_path / "sms.jsonl"),
        "TMPDIR": str(tmp_path),  # where the supervisor keeps the workers' metrics
        "GOV_WORKERS": "2",
    }
    log = (tmp_path / "gateway.log").open("wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "portal_gateway", "serve", "--migrate", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert supervisor.poll() is None, (tmp_path / "gateway.log").read_text()[-3000:]
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200 and len(_children(supervisor.pid)) == 2:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "gateway.log").read_text()[-3000:]
            time.sleep(0.2)
        workers = _children(supervisor.pid)

        token = httpx.post(base + "/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD})
        assert token.status_code == 200, token.text
        me = {"Authorization": f"Bearer {token.json()['access_token']}"}
        # Each on a connection of its own, so that both processes take some: a token signed by one
        # is good at the other (one key), and every answer is a success.
        keys = set()
        for _ in range(60):
            with httpx.Client(base_url=base, timeout=10) as client:
                assert client.get("/api/v1/me", headers=me).status_code == 200
                keys.add(client.get("/api/v1/auth/jwks").text)
        assert len(keys) == 1
        metrics_dirs = list(tmp_path.glob("gov-metrics-*"))
        assert len(metrics_dirs) == 1
        # Requests of /api/v1/me counted by each process (its own file of the multiprocess metrics).
        served = {
            int(f.stem.rsplit("_", 1)[1]): sum(
                value
                for key, value, *_ in MmapedDict.read_all_values_from_file(str(f))
                if '"/api/v1/me"' in key and '"gov_http_requests_total"' in key
            )
            for f in metrics_dirs[0].glob("counter_*.db")
        }
        assert set(served) == set(workers) and all(count > 0 for count in served.values()), (served, workers)
        counted = httpx.get(base + "/metrics", timeout=10).text
        assert 'route="/api/v1/me"' in counted

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        assert not metrics_dirs[0].exists()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
        log.close()
