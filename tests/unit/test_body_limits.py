"""Request bodies: a body over its route's limit is refused with 413 before it is read, in an app
made by the services' own factory (gov_common.service), for routes of included routers too."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, FastAPI, File, Request, UploadFile
from fastapi.testclient import TestClient
from pydantic import BaseModel

from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.bus.local import LocalBus
from gov_common.errors import PROBLEM_JSON
from gov_common.limits import KIB, MIB, UPLOAD, body_limit
from gov_common.service import ServiceRuntime, create_service_app
from gov_common.settings import ServiceSettings
from tests.e2e.platform import free_port

LIMIT = 64 * KIB
UPLOAD_LIMIT = 256 * KIB


class Note(BaseModel):
    text: str


def make_app(tmp_path: Path) -> tuple[FastAPI, dict[str, int]]:
    """A service app from the services' factory, with JSON, raw and upload routes in a router."""
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 't.db'}", max_body_bytes=LIMIT, max_upload_body_bytes=UPLOAD_LIMIT
    )
    runtime = ServiceRuntime(
        name="limits-test",
        settings=settings,
        bus=LocalBus(str(tmp_path / "bus.db")),
        verifier=TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform"),
    )
    app = create_service_app(runtime, title="t", description="t", manage_lifespan=False)
    router = APIRouter(prefix="/api/v1")
    seen = {"calls": 0, "bytes": 0}

    @router.post("/notes")
    def add_note(note: Note) -> dict[str, int]:
        seen["calls"] += 1
        return {"length": len(note.text)}

    @router.post("/files")
    @body_limit(UPLOAD, field="file")
    async def upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        seen["calls"] += 1
        return {"size": len(await file.read())}

    @router.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        seen["calls"] += 1
        async for chunk in request.stream():
            seen["bytes"] += len(chunk)
        return {"size": seen["bytes"]}

    @router.post("/documents")
    @body_limit(4 * LIMIT)
    def add_document(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    @router.post("/careless")
    async def careless(request: Request) -> dict[str, str]:
        # An endpoint that swallows a failed read and answers something of its own.
        try:
            await request.body()
        except Exception:
            return {"outcome": "swallowed"}
        return {"outcome": "read"}

    app.include_router(router)
    return app, seen


def _assert_413(status: int, headers: dict[str, str], body: bytes, *, limit: int, field: str = "body") -> None:
    assert status == 413, body
    assert headers["content-type"] == PROBLEM_JSON
    problem = json.loads(body)
    assert problem["status"] == 413 and problem["max_bytes"] == limit and problem["code"] == "body_too_large"
    assert [e["field"] for e in problem["errors"]] == [field]


def run_asgi(
    app: Any, path: str, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, dict[str, str], bytes, int]:
    """One request through the ASGI app; the body comes from `chunks`, pulled only as the app asks.
    Returns the status, headers, body and how many body bytes the app pulled."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers or [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode(): v.decode() for k, v in starts[0]["headers"]}
    return starts[0]["status"], response_headers, body, pulled


def fifty_megabytes(chunk: int = 64 * KIB) -> Iterator[bytes]:
    for _ in range(50 * MIB // chunk):
        yield b"x" * chunk


def test_a_declared_length_over_the_limit_is_refused_without_reading_a_byte(tmp_path: Path) -> None:
    app, seen = make_app(tmp_path)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(200 * MIB).encode())]
    status, response_headers, body, pulled = run_asgi(app, "/api/v1/notes", fifty_megabytes(), headers)
    _assert_413(status, response_headers, body, limit=LIMIT)
    assert pulled == 0 and seen["calls"] == 0


def test_a_streamed_body_is_cut_off_at_the_limit_not_read_to_its_end(tmp_path: Path) -> None:
    app, seen = make_app(tmp_path)
    for path in ("/api/v1/notes", "/api/v1/raw"):
        request_headers = [(b"content-type", b"application/json"), (b"x-request-id", b"req-42")]
        status, headers, body, pulled = run_asgi(app, path, fifty_megabytes(), request_headers)
        _assert_413(status, headers, body, limit=LIMIT)
        # The refusal still says which request it answers: its trace id (gov_common.context), not the caller's id.
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"]), headers
        assert pulled <= LIMIT + 64 * KIB, f"{path}: the app read {pulled} bytes of a body limited to {LIMIT}"
    assert seen["bytes"] <= LIMIT


def test_a_length_that_lies_is_caught_as_the_body_arrives(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
    status, response_headers, body, pulled = run_asgi(app, "/api/v1/raw", fifty_megabytes(), headers)
    _assert_413(status, response_headers, body, limit=LIMIT)
    assert pulled <= LIMIT + 64 * KIB


def test_an_endpoint_that_swallows_the_failed_read_still_answers_413(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    status, headers, body, pulled = run_asgi(app, "/api/v1/careless", fifty_megabytes())
    _assert_413(status, headers, body, limit=LIMIT)
    assert pulled <= LIMIT + 64 * KIB


def test_an_upload_route_takes_its_own_limit_for_a_declared_length_too(tmp_path: Path) -> None:
    app, seen = make_app(tmp_path)
    headers = [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", str(20 * MIB).encode())]
    status, response_headers, body, pulled = run_asgi(app, "/api/v1/files", fifty_megabytes(), headers)
    _assert_413(status, response_headers, body, limit=UPLOAD_LIMIT, field="file")
    assert pulled == 0 and seen["calls"] == 0


def test_routes_declare_their_own_limit_and_bodies_within_it_pass(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    with TestClient(app) as client:
        assert client.post("/api/v1/notes", json={"text": "短"}).json() == {"length": 1}
        # Over the default limit, within the upload route's own.
        file = {"file": ("a.pdf", b"%" * (LIMIT * 2), "application/pdf")}
        upload = client.post("/api/v1/files", files=file)
        assert upload.status_code == 200 and upload.json() == {"size": LIMIT * 2}
        file = {"file": ("a.pdf", b"%" * UPLOAD_LIMIT, "application/pdf")}
        too_big = client.post("/api/v1/files", files=file)
        _assert_413(too_big.status_code, dict(too_big.headers), too_big.content, limit=UPLOAD_LIMIT, field="file")
        too_long = client.post("/api/v1/notes", json={"text": "x" * LIMIT})
        _assert_413(too_long.status_code, dict(too_long.headers), too_long.content, limit=LIMIT)


def test_a_json_route_takes_its_own_limit_though_the_body_is_read_before_routing(tmp_path: Path) -> None:
    """The services' control-character check reads a JSON body before routing: the route's own
    limit is found by its path and method then."""
    app, _ = make_app(tmp_path)
    with TestClient(app) as client:
        assert client.post("/api/v1/documents", json={"text": "x" * (2 * LIMIT)}).json() == {"length": 2 * LIMIT}
        refused = client.post("/api/v1/documents", json={"text": "x" * (4 * LIMIT)})
        _assert_413(refused.status_code, dict(refused.headers), refused.content, limit=4 * LIMIT)
        too_long = client.post("/api/v1/notes", json={"text": "x" * (2 * LIMIT)})
        _assert_413(too_long.status_code, dict(too_long.headers), too_long.content, limit=LIMIT)


def test_the_limits_hold_under_a_mount(tmp_path: Path) -> None:
    """Standalone mounts each service under a prefix: its limits, the routes' own too, still apply."""
    inner, _ = make_app(tmp_path)
    outer = FastAPI()
    outer.mount("/internal/svc", inner)
    with TestClient(outer) as client:
        file = {"file": ("a.pdf", b"%" * (LIMIT * 2), "application/pdf")}
        assert client.post("/internal/svc/api/v1/files", files=file).status_code == 200
        refused = client.post("/internal/svc/api/v1/notes", json={"text": "x" * LIMIT})
        _assert_413(refused.status_code, dict(refused.headers), refused.content, limit=LIMIT)
        document = client.post("/internal/svc/api/v1/documents", json={"text": "x" * (2 * LIMIT)})
        assert document.status_code == 200, document.text


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, dict[str, int]]]:
    app, seen = make_app(tmp_path)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    try:
        yield port, seen
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection without an answer"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(rest) < int(headers["content-length"]):
        rest += sock.recv(65536)
    return status, headers, rest


def test_a_real_server_answers_413_while_the_client_is_still_sending(served: tuple[int, dict[str, int]]) -> None:
    """A body of 50 MB offered in chunks, without a length: once twice the limit is sent the client
    stops and waits. The 413 comes without the rest, and the app read no more than the limit."""
    port, seen = served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /api/v1/raw HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = 16 * KIB
        for _ in range(2 * LIMIT // chunk):  # of the 50 MB, only this much is ever sent
            sock.sendall(f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n")
        status, headers, body = _read_response(sock)
    _assert_413(status, headers, body, limit=LIMIT)
    assert seen["bytes"] <= LIMIT


def test_a_real_server_answers_a_declared_length_at_once(served: tuple[int, dict[str, int]]) -> None:
    port, seen = served
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {200 * MIB}\r\n\r\n".encode()
        )
        status, headers, body = _read_response(sock)  # nothing of the body was sent
    _assert_413(status, headers, body, limit=LIMIT)
    assert seen["calls"] == 0
