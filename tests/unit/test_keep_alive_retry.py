"""A server that closes an idle kept-alive connection just as a client reuses it (issue 13: the gateway's
intermittent "Server disconnected without sending a response" → 503). Our servers keep idle
connections longer than our clients do, and our async client sends a request that cannot have been
acted on once more, on a fresh connection. Reproduced with a real uvicorn server on loopback whose
keep-alive is short, and a client held (through httpcore's trace hook) between taking the kept-alive
connection from its pool and writing on it, until the server has closed it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from gov_common.cli import server_options
from gov_common.http import async_client, may_retry
from gov_common.settings import ServiceSettings
from tests.loopback import serving

SERVER_KEEP_ALIVE = 1  # seconds


class _Counting:
    """An ASGI app that answers every request 200 and counts them by method and path."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        while (await receive()).get("more_body"):
            pass
        self.seen[f"{scope['method']} {scope['path']}"] += 1
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


class _HoldOnce:
    """httpcore trace hook: the first time a request is about to be written, waits `seconds` (the
    connection is already taken from the pool and judged alive), as a busy event loop would."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.held = False

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        if name == "http11.send_request_headers.started" and not self.held:
            self.held = True
            await asyncio.sleep(self.seconds)


@pytest.fixture
def server() -> Iterator[tuple[str, _Counting]]:
    app = _Counting()
    with serving(app, timeout_keep_alive=SERVER_KEEP_ALIVE) as url:
        yield url, app


async def _reuse_after_the_server_closed(client: httpx.AsyncClient, url: str, method: str) -> httpx.Response:
    first = await client.request(method, url + "/first", content=b"{}")
    assert first.status_code == 200
    # Taken from the pool at once (alive), written only after the server's keep-alive has run out.
    hold = _HoldOnce(SERVER_KEEP_ALIVE + 0.5)
    return await client.request(method, url + "/second", content=b"{}", extensions={"trace": hold})


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_plain_client_fails_when_the_server_closes_the_connection_it_reuses(
    server: tuple[str, _Counting], method: str
) -> None:
    url, app = server

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
                await _reuse_after_the_server_closed(client, url, method)

    asyncio.run(scenario())
    assert app.seen[f"{method} /second"] == 0  # it never reached the application


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_our_client_sends_it_once_more_on_a_fresh_connection(server: tuple[str, _Counting], method: str) -> None:
    url, app = server

    async def scenario() -> httpx.Response:
        async with async_client(5) as client:
            return await _reuse_after_the_server_closed(client, url, method)

    response = asyncio.run(scenario())
    assert response.status_code == 200 and response.text == "ok"
    # Once, not twice: the first attempt never reached the application.
    assert app.seen == Counter({f"{method} /first": 1, f"{method} /second": 1})


def test_a_post_that_a_server_may_have_acted_on_is_not_sent_twice() -> None:
    async def scenario() -> list[int]:
        connections: list[int] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(1)
            await reader.readuntil(b"\r\n\r\n")
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, async_client(5) as client:
            # A new connection that the server dropped after reading the request: it may have acted.
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(f"http://127.0.0.1:{port}/cases", content=b"{}")
            # The same for a GET is harmless to repeat: sent once more.
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(f"http://127.0.0.1:{port}/cases")
        return connections

    assert len(asyncio.run(scenario())) == 1 + 2


def _request(method: str, content: Any = b"{}") -> httpx.Request:
    return httpx.Request(method, "http://127.0.0.1:1/x", content=content)


@pytest.mark.parametrize(
    ("method", "exc", "reused", "head", "expected"),
    [
        ("POST", httpx.ConnectError("refused"), False, False, True),  # nothing was sent
        ("POST", httpx.RemoteProtocolError("Server disconnected without sending a response."), True, False, True),
        ("POST", httpx.ReadError("reset"), True, False, True),
        ("POST", httpx.RemoteProtocolError("Server disconnected without sending a response."), False, False, False),
        ("POST", httpx.RemoteProtocolError("illegal status line"), True, False, False),
        ("POST", httpx.ReadTimeout("slow"), True, False, False),
        ("GET", httpx.ReadTimeout("slow"), True, False, False),  # a slow server would get it twice
        ("GET", httpx.PoolTimeout("busy"), True, False, False),
        ("GET", httpx.ReadError("reset"), False, False, True),
        ("GET", httpx.ReadError("reset"), True, True, False),  # an answer had begun
        ("PUT", httpx.ReadError("reset"), False, False, False),
    ],
)
def test_which_failures_are_sent_once_more(
    method: str, exc: Exception, reused: bool, head: bool, expected: bool
) -> None:
    assert may_retry(_request(method), exc, reused=reused, head_received=head) is expected


def test_a_streamed_body_is_never_sent_twice() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"{}"

    request = _request("POST", chunks())
    assert not may_retry(request, httpx.ConnectError("refused"), reused=False, head_received=False)


def test_servers_keep_idle_connections_longer_than_clients() -> None:
    settings = ServiceSettings()
    assert settings.server_keep_alive_seconds > settings.http_keepalive_expiry_seconds

    class _App:
        class state:
            runtime = type("R", (), {"settings": settings})

    assert server_options(_App())["timeout_keep_alive"] == settings.server_keep_alive_seconds
    with pytest.raises(ValidationError, match="server_keep_alive_seconds"):
        ServiceSettings(server_keep_alive_seconds=5, http_keepalive_expiry_seconds=5)
