"""The command line every service shares: `serve` (HTTP API, with the event worker unless
--no-worker), `worker` (event worker only) and `migrate`."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

import uvicorn

from gov_common.logging import configure_logging

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
    sub.add_parser("worker", help="consume events and relay the outbox, without HTTP")
    sub.add_parser("migrate", help="apply the database migrations")
    args = parser.parse_args(argv)
    configure_logging(prog, log_level())

    if args.command == "migrate":
        migrate()
        return
    if args.command == "serve":
        if args.migrate:
            migrate()
        uvicorn.run(
            build_app(not args.no_worker),
            host=args.host,
            port=args.port,
            log_config=None,
            timeout_graceful_shutdown=20,
            **forwarded_options(),
        )
        return
    runtime = build_runtime()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    runtime.start(worker=True)
    stopping.wait()
    runtime.stop()
