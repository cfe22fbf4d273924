from __future__ import annotations

import logging
import sys
from typing import Any

from business_systems.app import create_app, create_runtime, migrate
from business_systems.handlers import HandlerConfigurationError
from business_systems.settings import Settings
from gov_common.cli import main as cli_main

log = logging.getLogger("business_systems")


def _settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def _refuse_to_start(exc: HandlerConfigurationError) -> None:
    log.error("cannot start: %s", exc)
    sys.exit(f"business-systems: cannot start: {exc}")


def _build_app(worker: bool) -> Any:
    try:
        settings = _settings()
        return create_app(settings.model_copy(update={"run_worker": worker and settings.run_worker}))
    except HandlerConfigurationError as exc:
        _refuse_to_start(exc)


def _build_runtime() -> Any:
    try:
        return create_runtime(_settings())
    except HandlerConfigurationError as exc:
        _refuse_to_start(exc)


def main() -> None:
    cli_main(
        prog="business-systems",
        default_port=8020,
        build_app=_build_app,
        build_runtime=_build_runtime,
        migrate=lambda: migrate(_settings()),
        log_level=lambda: _settings().log_level,
    )


if __name__ == "__main__":
    main()
