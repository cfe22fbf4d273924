"""A service's client-credentials token: refreshed ahead of its expiry by one caller at a time, while
the other callers keep using the cached token; only callers without a valid token wait, and they share
the refresh's outcome. The token endpoint is a real local HTTP server that can be slowed or broken."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest

from gov_common.errors import ServiceUnavailable
from gov_common.service_client import ServiceCredentials
from tests.loopback import serving_handler


class _TokenEndpoint(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    issued: ClassVar[int] = 0
    delay: ClassVar[float] = 0.0
    status: ClassVar[int] = 200
    lifetime: ClassVar[int] = 300
    gate: ClassVar[threading.Event] = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        cls = type(self)
        cls.gate.wait(timeout=cls.delay)
        cls.issued += 1
        data = json.dumps({"access_token": f"token-{cls.issued}", "expires_in": cls.lifetime}).encode()
        self.send_response(cls.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        return None


@pytest.fixture
def token_url() -> Iterator[str]:
    _TokenEndpoint.issued, _TokenEndpoint.delay, _TokenEndpoint.status = 0, 0.0, 200
    _TokenEndpoint.gate = threading.Event()
    with serving_handler(_TokenEndpoint) as url:
        yield url + "/token"
        _TokenEndpoint.gate.set()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _credentials(token_url: str, clock: Clock) -> ServiceCredentials:
    return ServiceCredentials(token_url=token_url, client_id="sm", client_secret="s", timeout=5, clock=clock)


def _in_threads(n: int, fn: object) -> tuple[list[str], list[BaseException], list[float]]:
    results: list[str] = []
    errors: list[BaseException] = []
    took: list[float] = []

    def run() -> None:
        started = time.perf_counter()
        try:
            results.append(fn())  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)
        took.append(time.perf_counter() - started)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return results, errors, took


def test_the_token_is_cached_until_its_refresh_time(token_url: str) -> None:
    clock = Clock()
    credentials = _credentials(token_url, clock)
    assert credentials.token() == "token-1"
    clock.now += 200  # 300 s token: refreshed 60 s before it expires
    assert credentials.token() == "token-1"
    clock.now += 41
    assert credentials.token() == "token-2"
    assert _TokenEndpoint.issued == 2


def test_callers_keep_the_valid_token_while_one_slow_refresh_is_in_flight(token_url: str) -> None:
    clock = Clock()
    credentials = _credentials(token_url, clock)
    assert credentials.token() == "token-1"
    clock.now += 250  # due for refresh, still valid for 50 s
    _TokenEndpoint.delay = 5.0  # the gateway is slow: the refresh hangs until the gate opens
    refresher = threading.Thread(target=credentials.token)
    refresher.start()
    deadline = time.monotonic() + 5
    while not credentials._refreshing and time.monotonic() < deadline:
        time.sleep(0.01)
    results, errors, took = _in_threads(8, credentials.token)
    assert not errors and results == ["token-1"] * 8
    assert max(took) < 1.0  # nobody waited for the slow request
    _TokenEndpoint.gate.set()
    refresher.join(timeout=10)
    assert _TokenEndpoint.issued == 2  # one refresh, not one per caller
    assert credentials.token() == "token-2"


def _with_waiters(credentials: ServiceCredentials, n: int) -> tuple[list[str], list[BaseException]]:
    """n callers at once while the first one's refresh hangs: released once the others all wait."""
    _TokenEndpoint.delay = 10.0
    outcome: list[tuple[list[str], list[BaseException], list[float]]] = []
    callers = threading.Thread(target=lambda: outcome.append(_in_threads(n, credentials.token)))
    callers.start()
    deadline = time.monotonic() + 10
    while len(credentials._refreshed._waiters) < n - 1 and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    _TokenEndpoint.gate.set()
    callers.join(timeout=15)
    results, errors, _ = outcome[0]
    return results, errors


def test_callers_without_a_valid_token_wait_for_one_refresh_and_share_it(token_url: str) -> None:
    credentials = _credentials(token_url, Clock())
    results, errors = _with_waiters(credentials, 8)
    assert not errors and results == ["token-1"] * 8
    assert _TokenEndpoint.issued == 1


def test_a_failed_early_refresh_keeps_the_valid_token_and_retries_later(token_url: str) -> None:
    clock = Clock()
    credentials = _credentials(token_url, clock)
    assert credentials.token() == "token-1"
    clock.now += 250
    _TokenEndpoint.status = 503
    assert credentials.token() == "token-1"  # the refresh failed; the token is still valid
    issued = _TokenEndpoint.issued
    assert credentials.token() == "token-1"  # no new attempt before the retry delay
    assert _TokenEndpoint.issued == issued
    _TokenEndpoint.status = 200
    clock.now += 6
    assert credentials.token().startswith("token-") and _TokenEndpoint.issued == issued + 1


def test_waiting_callers_share_a_failure_instead_of_each_trying_again(token_url: str) -> None:
    credentials = _credentials(token_url, Clock())
    _TokenEndpoint.status = 503
    results, errors = _with_waiters(credentials, 6)
    assert not results and len(errors) == 6 and all(isinstance(e, ServiceUnavailable) for e in errors)
    assert _TokenEndpoint.issued == 1


def test_an_expired_token_is_not_handed_out(token_url: str) -> None:
    clock = Clock()
    credentials = _credentials(token_url, clock)
    assert credentials.token() == "token-1"
    clock.now += 299  # inside the last seconds: could expire on the way
    _TokenEndpoint.status = 503
    with pytest.raises(ServiceUnavailable):
        credentials.token()
