"""The command line every service shares: `serve` (HTTP API, with the event worker unless
--no-worker; `--workers N` processes), `worker` (event worker only), `migrate`, and
`dead-letters list|replay|discard` (gov_common.dead_letters)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gov_common.logging import configure_logging
from gov_common.tracing import configure_tracing

log = logging.getLogger("gov_common.cli")

# `serve --workers N` (default: the GOV_WORKERS variable, else 1) runs N processes on one listening
# socket. The first process binds it and supervises; each worker is the same command started again
# with the socket's descriptor in SOCKET_FD (and PROMETHEUS_MULTIPROC_DIR, so that /metrics sums them).
WORKERS = "GOV_WORKERS"
SOCKET_FD = "GOV_SERVE_SOCKET_FD"

# The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or networks,
# comma-separated ("10.0.0.0/8,192.0.2.7"), or "*". Unset or empty: nobody's (uvicorn alone would
# believe 127.0.0.1, so that anyone on the machine could pass for any address).
FORWARDED_ALLOW_IPS = "FORWARDED_ALLOW_IPS"


def forwarded_options(value: str | None = None) -> dict[str, Any]:
    """uvicorn's proxy settings from `value` (default: the FORWARDED_ALLOW_IPS variable): the
    forwarded headers are read only from the trusted proxies, and with none, not at all."""
    raw = os.environ.get(FORWARDED_ALLOW_IPS, "") if value is None else value
    trusted = ",".join(part.strip() for part in raw.split(",") if part.strip())
    if not trusted:
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


# The longest request head (request line and headers) the HTTP server reads before the app sees it. h11's
# own default, 16 KiB, counts what has arrived so far: a long URL that reached the server in pieces (a
# busy machine, a slow client) made it answer 400 and close with the rest unread, which the client saw
# as a reset instead of the app's 414 (portal_gateway.routing.UrlLimit refuses URLs above 8 KiB).
MAX_REQUEST_HEAD_BYTES = 128 * 1024

_PARSED_URL_MAX_BYTES = 0xFFFF
_HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\nconnection: close\r\n\r\nRequest header fields too large"
)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (its C parser, llhttp, costs a fraction of h11's Python per
    request) with the bound on the request head that h11 had (`h11_max_incomplete_event_size`) and
    httptools has not: a head still incomplete after MAX_REQUEST_HEAD_BYTES is answered 431 and the
    connection closed, so a client cannot make the server hold an endless head. The bytes are counted
    whatever pieces they arrive in (a long URL sent in pieces still reaches the app, whose 414 answers)."""

    max_head_bytes = MAX_REQUEST_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False
        self._head_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        url = self.url
        if len(url) <= _PARSED_URL_MAX_BYTES:
            super().on_headers_complete()
            return
        # httptools' URL parser takes at most 64 KiB (it would fail the request with a 400): such a URL is
        # split here, and the app judges it as any other (the gateway's 414). The request's task has been
        # created but has not run yet, so its scope is still ours to complete.
        self.url = b"/"
        try:
            super().on_headers_complete()
        finally:
            self.url = url
        raw_path, _, query = url.partition(b"?")
        path = raw_path.decode("ascii", "replace")
        if "%" in path:
            path = urllib.parse.unquote(path)
        self.scope["path"] = self.root_path + path
        self.scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        self.scope["query_string"] = query.partition(b"#")[0]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            # The whole piece: the head began in it or before (at most a previous request's tail more).
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self.logger.warning("request head over %d bytes; refused with 431", self.max_head_bytes)
                self.transport.write(_HEAD_TOO_LARGE)
                self.transport.close()


def http_options() -> dict[str, Any]:
    """uvicorn's HTTP protocol and event loop for every server of the platform: httptools with the
    head bound (BoundedHttpToolsProtocol) and uvloop; h11's own bound stays set should h11 be chosen."""
    return {
        "http": BoundedHttpToolsProtocol,
        "loop": "uvloop",
        "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES,
    }


def server_options(app: Any) -> dict[str, Any]:
    """uvicorn's settings from the served app's runtime settings: the server keeps an idle connection
    (`server_keep_alive_seconds`) longer than our clients do (`http_keepalive_expiry_seconds`), so that
    it never closes one as a client reuses it (gov_common.http), and reads request heads up to
    MAX_REQUEST_HEAD_BYTES (`http_options`). The standalone launcher passes the same to its servers."""
    settings = getattr(getattr(getattr(app, "state", None), "runtime", None), "settings", None)
    keep_alive = getattr(settings, "server_keep_alive_seconds", 30)
    return {"timeout_keep_alive": keep_alive, **http_options()}


def _die_with_parent() -> None:
    # A worker ends with its supervisor, even one killed outright (Linux; elsewhere, best effort).
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def supervise(workers: int, host: str, port: int) -> int:
    """Binds host:port, starts `workers` copies of this command serving on it, and waits. SIGTERM and
    SIGINT are handed on (each worker drains its requests, then stops its runtime). When a worker
    ends on its own the others are stopped too and the exit status says so: the orchestrator
    restarts the whole (crash-only, as with one process)."""
    listener = uvicorn.Config("unused:app", host=host, port=port).bind_socket()
    metrics_dir = tempfile.mkdtemp(prefix="gov-metrics-")
    env = {**os.environ, SOCKET_FD: str(listener.fileno()), "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    command = [sys.executable, *sys.orig_argv[1:]]
    stopping = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    children = [
        subprocess.Popen(  # noqa: S603 - this interpreter and its own command line, no outside input
            command, env=env, pass_fds=[listener.fileno()], preexec_fn=_die_with_parent
        )
        for _ in range(workers)
    ]
    log.info("serving on %s:%d with %d worker processes %s", host, port, workers, [c.pid for c in children])
    status = 0
    try:
        while not stopping.is_set():
            ended = [c for c in children if c.poll() is not None]
            if ended:
                log.error("worker process %d ended (status %s); stopping the others", ended[0].pid, ended[0].returncode)
                status = 1
                break
            stopping.wait(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        listener.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return status


def main(
    *,
    prog: str,
    default_port: int,
    build_app: Callable[[bool], Any],
    build_runtime: Callable[[], Any],
    migrate: Callable[[], None],
    log_level: Callable[[], str],
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the HTTP API (and the event worker unless --no-worker)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=default_port)
    serve.add_argument("--migrate", action="store_true", help="apply migrations before serving")
    serve.add_argument("--no-worker", action="store_true", help="do not consume events in this process")
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get(WORKERS) or 1),
        help=f"API processes on the one port, each with its runtime (default: ${WORKERS}, else 1)",
    )
    sub.add_parser("worker", help="consume events and relay the outbox, without HTTP")
    sub.add_parser("migrate", help="apply the database migrations")
    add_dead_letter_commands(sub)
    args = parser.parse_args(argv)
    configure_logging(prog, log_level())
    configure_tracing(prog)  # the service's name in its spans (OTEL_SERVICE_NAME overrides it)

    if args.command == "migrate":
        migrate()
        return
    if args.command == "dead-letters":
        sys.exit(dead_letters_command(args, build_runtime().dead_letters))
    if args.command == "serve":
        inherited = os.environ.get(SOCKET_FD)
        if inherited is None:
            if args.workers < 1:
                parser.error("--workers is at least 1")
            if args.migrate:
                migrate()  # once, before any worker starts
            if args.workers > 1:
                sys.exit(supervise(args.workers, args.host, args.port))
        app = build_app(not args.no_worker)
        config = uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_config=None,
            timeout_graceful_shutdown=20,
            **server_options(app),
            **forwarded_options(),
        )
        server = uvicorn.Server(config)
        if inherited is None:
            server.run()
        else:
            server.run(sockets=[socket.socket(fileno=int(inherited))])
        return
    runtime = build_runtime()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    runtime.start(worker=True)
    stopping.wait()
    runtime.stop()


def add_dead_letter_commands(sub: Any) -> None:
    letters = sub.add_parser("dead-letters", help="list, replay or discard this service's dead letters")
    commands = letters.add_subparsers(dest="action", required=True)
    listing = commands.add_parser("list", help="the pending dead letters with their reason")
    listing.add_argument("--status", choices=["pending", "replayed", "discarded", "all"], default="pending")
    listing.add_argument("--json", action="store_true", help="one JSON array instead of a table")
    replay = commands.add_parser("replay", help="run dead letters through their consumer's handler again")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", type=int, default=[], metavar="ID")
    which.add_argument("--all", action="store_true", help="every pending dead letter, oldest first")
    discard = commands.add_parser("discard", help="give a dead letter up, with the reason")
    discard.add_argument("id", type=int, metavar="ID")
    discard.add_argument("--reason", required=True)
    discard.add_argument("--by", default=os.environ.get("USER") or "cli", help="who decides (kept with the letter)")


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def dead_letters_command(args: argparse.Namespace, store: Any) -> int:
    """Runs `dead-letters ...` on `store` (a gov_common.dead_letters.DeadLetters); the exit status
    is 1 when a replay failed or an id is unknown."""
    import json

    from gov_common.errors import NotFound

    out = sys.stdout
    if args.action == "list":
        letters = store.letters(status=None if args.status == "all" else args.status, limit=1000)
        if args.json:
            out.write(json.dumps([letter.model_dump(mode="json") for letter in letters], ensure_ascii=False) + "\n")
            return 0
        out.write(
            f"{'ID':>6}  {'STATUS':<9}  {'RECORDED (UTC)':<19}  {'GROUP':<28}  {'TOPIC@PARTITION:OFFSET':<28}  EVENT\n"
        )
        for letter in letters:
            where = f"{letter.topic}@{letter.partition}:{letter.offset}"
            out.write(
                f"{letter.id:>6}  {letter.status:<9}  {_when(letter.created_at):<19}  {letter.group:<28}  "
                f"{where:<28}  {letter.event_type or '-'} {letter.event_id or ''}\n"
            )
            lines = letter.reason.strip().splitlines()
            out.write(f"        reason: {lines[-1] if lines else ''}\n")
        out.write(f"{len(letters)} dead letter(s)\n")
        return 0
    if args.action == "discard":
        try:
            letter = store.discard(args.id, reason=args.reason, by=args.by)
        except NotFound as exc:
            sys.stderr.write(f"{exc.detail}\n")
            return 1
        out.write(f"{letter.id}: {letter.status}\n")
        return 0
    failed = 0
    for letter_id in store.pending_ids() if args.all else args.ids:
        try:
            replay = store.replay(letter_id)
        except NotFound as exc:
            sys.stderr.write(f"{exc.detail}\n")
            failed += 1
            continue
        letter = replay.dead_letter
        out.write(f"{letter.id}: {replay.outcome} ({letter.status})\n")
        if replay.outcome == "failed":
            failed += 1
            lines = letter.reason.strip().splitlines()
            out.write(f"        reason: {lines[-1] if lines else ''}\n")
    return 1 if failed else 0
