from __future__ import annotations

from gov_common.cli import main as cli_main
from portal_gateway.app import create_app, create_runtime, migrate
from portal_gateway.settings import Settings


def main() -> None:
    cli_main(
        prog="portal-gateway",
        default_port=8000,
        build_app=lambda worker: create_app(Settings(run_worker=worker and Settings().run_worker)),
        build_runtime=lambda: create_runtime(Settings()),
        migrate=lambda: migrate(Settings()),
        log_level=lambda: Settings().log_level,
    )


if __name__ == "__main__":
    main()
