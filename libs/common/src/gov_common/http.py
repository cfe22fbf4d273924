"""Outgoing HTTP: every call carries the current request id."""

from __future__ import annotations

import httpx

from gov_common.context import REQUEST_ID_HEADER, get_request_id


async def _add_request_id(request: httpx.Request) -> None:
    request_id = get_request_id()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def async_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, event_hooks={"request": [_add_request_id]})
