"""The id that follows a case across HTTP calls and events: the W3C trace id (gov_common.tracing).

Logs carry it as `trace_id` (gov_common.logging); every answer tells it in `X-Request-ID`, so that a
caller quoting it in a support call points at the whole trace and every log line of it. A caller's own
`X-Request-ID` is not taken any more: a caller that wants its id kept sends a `traceparent`."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gov_common.tracing import current_trace_id, name_by_route

REQUEST_ID_HEADER = "X-Request-ID"

__all__ = ["REQUEST_ID_HEADER", "TraceIdHeader", "current_trace_id"]


class TraceIdHeader:
    """ASGI middleware: the answer carries the request's trace id in `X-Request-ID` (and, when spans are
    exported, the server span is named by the route the router matched). It runs inside
    the OpenTelemetry server middleware (gov_common.tracing.instrument_app), whose span is current.
    Plain ASGI: no extra task per request, as Starlette's BaseHTTPMiddleware would make."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        trace_id = current_trace_id() if scope["type"] == "http" else None
        if trace_id is None:
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = trace_id
                name_by_route(scope)
            await send(message)

        await self.app(scope, receive, send_with_id)
