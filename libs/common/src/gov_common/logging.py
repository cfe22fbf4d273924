"""Structured JSON logs; every record carries the service and the current request id."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from gov_common.context import get_request_id


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "service"):
            record.service = self.service
        record.request_id = get_request_id()
        return True


_configured = False


def configure_logging(service: str, level: str = "INFO") -> None:
    """Configure the root logger once per process (standalone runs four services in one)."""
    global _configured
    root = logging.getLogger()
    root.setLevel(level.upper())
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    )
    handler.addFilter(_ContextFilter(service))
    root.handlers[:] = [handler]
    logging.getLogger("kafka").setLevel(logging.WARNING)
    # httpx writes a line per outgoing request at INFO: the gateway would log each forwarded call a
    # second time (the access log has it), at a cost per request on the hot path. Failures still show.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    _configured = True


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
