from __future__ import annotations

import sys

from data_sharing.app import create_app, create_runtime, migrate
from data_sharing.settings import Settings
from gov_common.cli import main as cli_main


def main() -> None:
    if sys.argv[1:2] == ["warehouse"]:  # data-sharing's own commands (docs/warehouse.md)
        from data_sharing.warehouse.cli import main as warehouse_main

        sys.exit(warehouse_main(sys.argv[2:]))
    cli_main(
        prog="data-sharing",
        default_port=8030,
        build_app=lambda worker: create_app(Settings(run_worker=worker and Settings().run_worker)),
        build_runtime=lambda: create_runtime(Settings()),
        migrate=lambda: migrate(Settings()),
        log_level=lambda: Settings().log_level,
    )


if __name__ == "__main__":
    main()
