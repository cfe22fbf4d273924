from __future__ import annotations

from business_systems.app import create_app, create_runtime, migrate
from business_systems.settings import Settings
from gov_common.cli import main as cli_main


def _settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def main() -> None:
    cli_main(
        prog="business-systems",
        default_port=8020,
        build_app=lambda worker: create_app(_settings(run_worker=worker and _settings().run_worker)),
        build_runtime=lambda: create_runtime(_settings()),
        migrate=lambda: migrate(_settings()),
        log_level=lambda: _settings().log_level,
    )


if __name__ == "__main__":
    main()
