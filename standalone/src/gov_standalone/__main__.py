from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn

from gov_common.cli import forwarded_options, http_options
from gov_common.logging import configure_logging
from gov_common.tracing import configure_tracing
from gov_standalone.app import KEEP_ALIVE_SECONDS, create_standalone_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="gov-standalone", description="The whole platform in one process.")
    parser.add_argument("--host", default=os.environ.get("GOV_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GOV_PORT", "8000")))
    parser.add_argument(
        "--internal-port",
        type=int,
        default=int(os.environ.get("GOV_INTERNAL_PORT", "0")),
        help="the services' listener on 127.0.0.1 (default 0: a free port)",
    )
    parser.add_argument("--var-dir", default=os.environ.get("GOV_VAR_DIR", "var"))
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data and accounts")
    args = parser.parse_args()
    configure_logging("standalone", os.environ.get("GOV_LOG_LEVEL", "INFO"))
    configure_tracing("standalone")  # one process, one service name for the spans of its four services
    app = create_standalone_app(
        var_dir=Path(args.var_dir).resolve(),
        host=args.host,
        port=args.port,
        seed_demo=not args.no_demo,
        internal_port=args.internal_port,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        **http_options(),
        **forwarded_options(),
    )


if __name__ == "__main__":
    main()
