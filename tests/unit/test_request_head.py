"""A long URL that reaches the server in pieces is refused by the app with 414, not by the HTTP server
with a 400 and a reset (CI, standalone, busy machine: h11 judged the head by its 16 KiB default on what
had arrived so far and closed the connection with the rest of the request unread)."""

from __future__ import annotations

import socket
import time
from typing import Any

from gov_common.cli import MAX_REQUEST_HEAD_BYTES, BoundedHttpToolsProtocol, server_options
from portal_gateway.routing import MAX_URL_BYTES, UrlLimit
from tests.loopback import serving


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _get_in_pieces(base_url: str, target: bytes) -> bytes:
    host, port = base_url.removeprefix("http://").rstrip("/").split(":")
    request = b"GET " + target + b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for start in range(0, len(request), 4096):
            sock.sendall(request[start : start + 4096])
            time.sleep(0.002)  # each piece arrives on its own
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_long_url_sent_in_pieces_gets_the_apps_414() -> None:
    app = UrlLimit(_ok)
    target = b"/api/v1/items?q=" + b"%E6%A1%90" * 10_000  # 90 KB, as in tests/e2e/test_bad_input.py
    assert MAX_URL_BYTES < len(target) < MAX_REQUEST_HEAD_BYTES
    with serving(app, **server_options(app)) as url:
        answer = _get_in_pieces(url, target)
        assert answer.startswith(b"HTTP/1.1 414 "), answer[:200]
        assert b'"url_too_long"' in answer
        assert _get_in_pieces(url, b"/api/v1/items?q=short").startswith(b"HTTP/1.1 200 ")


def test_the_servers_parse_with_httptools_and_an_endless_head_is_refused_with_431() -> None:
    # httptools has no bound of its own on the head (h11 had one): without ours a client could make
    # the server read headers for ever.
    app = UrlLimit(_ok)
    options = server_options(app)
    assert options["http"] is BoundedHttpToolsProtocol and options["loop"] == "uvloop"
    header = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    host_port = ""
    with serving(app, **options) as url:
        host_port = url.removeprefix("http://")
        host, port = host_port.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"GET /api/v1/items HTTP/1.1\r\nHost: test\r\n")
            answer = b""
            try:
                for _ in range(MAX_REQUEST_HEAD_BYTES // len(header) + 64):
                    sock.sendall(header * 4)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server closed the connection: what it answered is read below
            try:
                while chunk := sock.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                pass
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        # A head within the bound, sent in pieces, still reaches the app.
        assert _get_in_pieces(url, b"/api/v1/items?q=" + b"a" * 60_000).startswith(b"HTTP/1.1 414 ")
