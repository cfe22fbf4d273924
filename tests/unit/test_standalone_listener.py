"""The standalone platform's internal listener answers a kept-alive connection at once. Its socket was
made without naming TCP, so asyncio left Nagle's algorithm on: each answer's body waited ~40 ms for the
delayed ACK of its headers, on every call the gateway makes to a service (found by the fuzzing run:
the services answered 17 requests a second through it, 120 before)."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from gov_standalone.app import bind_internal


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    # Headers and body go out in two writes, as every answer of the services does.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"x" * 2000})


@pytest.fixture
def listener() -> Iterator[str]:
    sock = bind_internal(0)
    server = uvicorn.Server(uvicorn.Config(_app, lifespan="off", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_the_internal_socket_says_it_is_tcp() -> None:
    sock = bind_internal(0)
    try:
        assert sock.proto == socket.IPPROTO_TCP  # what asyncio looks at before setting TCP_NODELAY
    finally:
        sock.close()


def test_answers_on_a_kept_alive_connection_are_not_held_back(listener: str) -> None:
    with httpx.Client(base_url=listener) as client:
        client.get("/")
        times = []
        for _ in range(15):
            started = time.perf_counter()
            assert client.get("/").status_code == 200
            times.append(time.perf_counter() - started)
    # Held back by the delayed ACK, every answer took 40 ms or more; a loopback answer takes about 1.
    assert statistics.median(times) < 0.030, times
