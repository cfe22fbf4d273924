"""Which address the log-in throttle counts (deploy/README.md, "Log-in throttling"): the gateway,
served by its own command line (uvicorn) on PostgreSQL, believes X-Forwarded-For only from the
proxies named in FORWARDED_ALLOW_IPS, nobody's by default, so that a password spray from one machine
with a new header value per try is still one address and is slowed down; behind a trusted proxy
each client the proxy names counts apart."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from gov_common.cli import forwarded_options
from tests.e2e.platform import Process, free_port, start_process, wait_ready

PER_ADDRESS = 3


@pytest.fixture
def serve_gateway(new_database: Callable[[str], str], tmp_path: Path) -> Iterator[Callable[[str], tuple[Process, str]]]:
    started: list[Process] = []

    def serve(trusted: str) -> tuple[Process, str]:
        url = new_database(f"gw_fwd_{uuid.uuid4().hex[:6]}")
        port = free_port()
        env = {
            "GW_ENVIRONMENT": "test",
            "GW_DATABASE_URL": url,
            "GW_BUS": "local",
            "GW_LOCAL_BUS_PATH": str(tmp_path / f"bus-{port}.db"),
            "GW_TOKEN_SIGNING_KEY_PATH": str(tmp_path / "token.pem"),
            "GW_SEED_DEMO": "false",
            "GW_LOGIN_MAX_FAILURES_PER_ADDRESS": str(PER_ADDRESS),
            "GW_RATE_TOKEN__LIMIT": "1000",
            "FORWARDED_ALLOW_IPS": trusted,
        }
        args = ["-m", "portal_gateway", "serve", "--migrate", "--no-worker", "--port", str(port)]
        process = start_process(f"gateway-{port}", args, env, port, tmp_path)
        started.append(process)
        wait_ready(process)
        return process, url

    yield serve
    for process in started:
        process.stop()


def _spray(base_url: str, tries: int, *, forwarded: Callable[[int], str]) -> list[httpx.Response]:
    """One password on a new name each time, each try claiming another client address."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        return [
            client.post(
                "/api/v1/auth/token",
                data={"username": f"nobody-{n}", "password": "Password1"},
                headers={"X-Forwarded-For": forwarded(n)},
            )
            for n in range(tries)
        ]


def _counted_addresses(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        addresses = {row[0] for row in connection.execute(text("SELECT address FROM login_failures"))}
    engine.dispose()
    return addresses


def test_an_untrusted_caller_cannot_escape_the_throttle_with_forwarded_headers(
    serve_gateway: Callable[[str], tuple[Process, str]],
) -> None:
    gateway, url = serve_gateway("")
    answers = _spray(gateway.url, PER_ADDRESS + 1, forwarded=lambda n: f"198.51.100.{n + 1}")
    assert [a.status_code for a in answers] == [401] * PER_ADDRESS + [429]
    assert answers[-1].json()["reason"] == "address" and int(answers[-1].headers["Retry-After"]) >= 1
    assert _counted_addresses(url) == {"127.0.0.1"}


def test_a_trusted_proxys_forwarded_address_is_the_one_counted(
    serve_gateway: Callable[[str], tuple[Process, str]],
) -> None:
    gateway, url = serve_gateway("127.0.0.1")  # the test is the proxy, on loopback
    spread = _spray(gateway.url, PER_ADDRESS + 2, forwarded=lambda n: f"198.51.100.{n + 1}")
    assert [a.status_code for a in spread] == [401] * (PER_ADDRESS + 2)
    assert _counted_addresses(url) == {f"198.51.100.{n + 1}" for n in range(PER_ADDRESS + 2)}
    # One client behind the proxy spraying on is slowed down by its own address: the proxy appends
    # the address it saw, and the right-most one not of a trusted proxy counts.
    one = _spray(gateway.url, PER_ADDRESS + 1, forwarded=lambda n: f"192.0.2.{n + 1}, 203.0.113.5")
    assert [a.status_code for a in one] == [401] * PER_ADDRESS + [429]
    assert one[-1].json()["reason"] == "address"


def test_nobody_is_trusted_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert forwarded_options()["proxy_headers"] is False
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", " ")
    assert forwarded_options()["proxy_headers"] is False
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8, 192.0.2.7")
    assert forwarded_options() == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.0/8,192.0.2.7"}
