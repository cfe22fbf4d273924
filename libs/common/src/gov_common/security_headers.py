"""Headers every answer of every service carries, whatever produced it (an endpoint, an error
handler, a 404 of the router): `X-Content-Type-Options: nosniff`, so that a browser never takes a
JSON answer or a downloaded file for a script or a page of another type than the one declared."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}


class SecurityHeaders:
    """ASGI middleware (not `BaseHTTPMiddleware`: streamed answers stay streamed) that adds the
    headers to every HTTP response start, leaving any an endpoint set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)
