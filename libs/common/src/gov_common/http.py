"""Outgoing HTTP: every call carries the current request id."""

from __future__ import annotations

import threading

import httpx

from gov_common.context import REQUEST_ID_HEADER, get_request_id


async def _add_request_id(request: httpx.Request) -> None:
    request_id = get_request_id()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def async_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, event_hooks={"request": [_add_request_id]})


def _add_request_id_sync(request: httpx.Request) -> None:
    request_id = get_request_id()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


_sync_client: httpx.Client | None = None
_sync_lock = threading.Lock()


def sync_client() -> httpx.Client:
    """The process's one synchronous client, for calls made from worker threads (event handlers,
    sync endpoints): its connections are kept alive and reused across calls and threads, instead of a
    new connection (and TLS handshake) per call. Each call passes its own `timeout`."""
    global _sync_client
    with _sync_lock:
        if _sync_client is None or _sync_client.is_closed:
            _sync_client = httpx.Client(timeout=10.0, event_hooks={"request": [_add_request_id_sync]})
        return _sync_client
