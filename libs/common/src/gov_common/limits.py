"""Bounded input: request bodies, free-form JSON that is kept, and rows of delimited text.

Every service app (and the gateway, its front door) runs `BodyLimitMiddleware`. A route takes the
default limit (`max_body_bytes`, 1 MiB: JSON and small forms) unless its endpoint declares another:

    @router.post("/files")
    @body_limit(UPLOAD, field="file")      # the service's `max_upload_body_bytes`
    async def upload(...): ...

    @router.post("/lists/{list_type}/drafts")
    @body_limit(LARGE_JSON_BODY_BYTES)     # a number of bytes
    def create_draft(...): ...

The limit is the route's, looked up when the body is first asked for: by the route the request was
routed to, or, when a middleware reads the body before routing (gov_common.text_input), by its path
and method; so it holds for routes of included routers and mounted apps alike. A declared
Content-Length over the limit is refused then, before a byte of the body is read. A body without
one (chunked, or a length that lies) is counted as it arrives and refused at the first byte over
the limit, so at most the limit (plus one chunk) is ever held; what the client still sends is
discarded by the server. The refusal is a 413 problem naming the field, whatever the app made of
its failed read.

(FastAPI's own `max_body_size` would do the counting, but it answers a declared length over the
limit with a text/plain 413 that no exception handler sees.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gov_common.context import REQUEST_ID_HEADER
from gov_common.errors import PROBLEM_JSON

KIB = 1024
MIB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 1 * MIB
# An upload of the largest accepted file (gov_common.files.DEFAULT_MAX_BYTES, 10 MiB) in a multipart
# envelope (boundaries and part headers: a few hundred bytes).
DEFAULT_MAX_UPLOAD_BODY_BYTES = 10 * MIB + 64 * KIB
UPLOAD: Literal["upload"] = "upload"
# For the few JSON bodies that carry a whole document at once (a list version of 2,000 entries).
LARGE_JSON_BODY_BYTES = 8 * MIB

_MARK = "__gov_body_limit__"
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode()
_LINE_END = re.compile(r"\r\n|\r|\n")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int | Literal["upload"]
    field: str = "body"


def body_limit(max_bytes: int | Literal["upload"], *, field: str = "body") -> Callable[[F], F]:
    """Declares the body limit of a route: a number of bytes, or UPLOAD for the service's upload limit.
    `field` is what the 413 names (e.g. the multipart field holding the file)."""
    if max_bytes != UPLOAD and (not isinstance(max_bytes, int) or max_bytes < 1):
        raise ValueError(f"a body limit is a positive number of bytes or UPLOAD, not {max_bytes!r}")

    def mark(endpoint: F) -> F:
        setattr(endpoint, _MARK, BodyLimit(max_bytes, field))
        return endpoint

    return mark


class BodyTooLarge(Exception):
    """Raised by the body's receive channel when the body is over its limit. The app's middleware
    may wrap it (an exception group) or turn it into another answer (FastAPI's 400 "could not
    parse"): either way the middleware answers the 413 itself."""

    def __init__(self, max_bytes: int, field: str) -> None:
        self.max_bytes, self.field = max_bytes, field
        super().__init__(f"the request body is larger than {max_bytes} bytes")


def _problem(max_bytes: int, field: str) -> dict[str, Any]:
    detail = f"提交的内容超过了本操作允许的大小（{max_bytes} 字节），请减小后重新提交"
    return {
        "type": "about:blank",
        "title": "Content Too Large",
        "status": 413,
        "detail": detail,
        "code": "body_too_large",
        "max_bytes": max_bytes,
        "errors": [{"field": field, "message": detail, "code": "body_too_large"}],
    }


def _route_path(scope: Scope) -> str:
    """The path within the app (a mounted app's scope keeps the full path and its mount point)."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed one itself
    return None


class BodyLimitMiddleware:
    """Pure ASGI, buffering nothing: see the module's docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Callable[[], Sequence[BaseRoute]] = lambda: (),
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_upload_body_bytes: int = DEFAULT_MAX_UPLOAD_BODY_BYTES,
    ) -> None:
        self.app = app
        self.routes = routes
        self.max_body_bytes = max_body_bytes
        self.max_upload_body_bytes = max_upload_body_bytes
        self._declared: list[tuple[re.Pattern[str], set[str] | None, BodyLimit]] = []
        self._declared_from = -1

    def declared(self) -> list[tuple[re.Pattern[str], set[str] | None, BodyLimit]]:
        """The routes that declare a limit: their full paths (through included routers, as the
        OpenAPI document lists them), methods and limits. Read once all routes are in place."""
        routes = self.routes()
        if len(routes) != self._declared_from:
            self._declared = [
                (compile_path(context.path)[0], context.methods, mark)
                for context in iter_route_contexts(routes)
                if context.path and isinstance(mark := getattr(context.endpoint, _MARK, None), BodyLimit)
            ]
            self._declared_from = len(routes)
        return self._declared

    def limit_for(self, scope: Scope) -> tuple[int, str]:
        """The limit of the route the request is for. Once routed, its route says; before (a
        middleware that reads the body first), its path and method are looked up."""
        endpoint = getattr(scope.get("route"), "endpoint", None) or scope.get("endpoint")
        mark = getattr(endpoint, _MARK, None)
        if not isinstance(mark, BodyLimit):
            path, method = _route_path(scope), scope.get("method", "")
            declared = self.declared()
            mark = next((m for rx, methods, m in declared if rx.match(path) and method in (methods or {method})), None)
        if mark is None:
            return self.max_body_bytes, "body"
        if mark.max_bytes == UPLOAD:
            return self.max_upload_body_bytes, mark.field
        return mark.max_bytes, mark.field

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = _declared_length(scope)
        received = 0
        refusal: tuple[int, str] | None = None  # the limit and field, once the body is over it
        app_started = False  # the app's own answer went out
        refused = False  # this middleware's own answer went out

        async def bounded_receive() -> Message:
            nonlocal received, refusal
            max_bytes, field = self.limit_for(scope)
            if refusal is None and declared is not None and declared > max_bytes:
                refusal = (max_bytes, field)
            if refusal is not None:
                raise BodyTooLarge(*refusal)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    refusal = (max_bytes, field)
                    raise BodyTooLarge(*refusal)
            return message

        async def refuse(kept: tuple[tuple[bytes, bytes], ...] = ()) -> None:
            nonlocal refused
            if refused or refusal is None:
                return
            refused = True
            if not kept:  # the app made no answer to take the request's id from: the caller's, if any
                kept = tuple((k, v) for k, v in scope.get("headers") or () if k == _REQUEST_ID)
            body = json.dumps(_problem(*refusal)).encode()
            headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 413, "headers": [*headers, *kept]})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        async def guarded_send(message: Message) -> None:
            nonlocal app_started
            if refused:
                return
            if message["type"] == "http.response.start":
                if refusal is not None:
                    # Whatever the app made of the failed read (a 400 "could not parse", a 500),
                    # the client is told the one true reason, with the request's id.
                    kept = tuple((k, v) for k, v in message.get("headers") or () if k.lower() == _REQUEST_ID)
                    await refuse(kept)
                    return
                app_started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if refusal is None or app_started:
                raise
        if not app_started:
            await refuse()


def install_body_limits(app: Any, *, max_body_bytes: int, max_upload_body_bytes: int) -> None:
    """Adds the middleware to a FastAPI/Starlette app, outermost of the middleware added so far."""
    app.add_middleware(
        BodyLimitMiddleware,
        routes=lambda: app.router.routes,
        max_body_bytes=max_body_bytes,
        max_upload_body_bytes=max_upload_body_bytes,
    )


def json_within(max_chars: int) -> Callable[[Any], Any]:
    """A pydantic after-validator for free-form JSON that is kept (`Annotated[dict[str, Any],
    AfterValidator(json_within(16 * KIB))]`): at most `max_chars` characters once serialised."""

    def check(value: Any) -> Any:
        if len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)) > max_chars:
            raise ValueError(f"is larger than {max_chars} characters as JSON")
        return value

    return check


class RowTooLarge(ValueError):
    """A row of a delimited text longer than its bound (see `BoundedLines`)."""


class BoundedLines:
    """The lines of a text for `csv.reader`/`csv.DictReader`, refusing a row longer than `max_row_chars`.

    The csv module builds a whole row before handing it over, and a line of commas is as many
    fields, so a row is bounded before it is built: the characters read since the last row was
    handed over are counted (a quoted field may span lines), and the reader's caller says when a
    row was handed over with `row_done()`.

        lines = BoundedLines(text, max_row_chars=64 * KIB)
        for row in csv.reader(lines):
            lines.row_done()
            ...
    """

    def __init__(self, text: str, *, max_row_chars: int) -> None:
        self._text = text
        self._start = 0
        self._pending = 0
        self.max_row_chars = max_row_chars

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        if self._start >= len(self._text):
            raise StopIteration
        window = self._start + self.max_row_chars - self._pending + 1
        found = _LINE_END.search(self._text, self._start, window + 1)  # + 1: a \r\n across the edge
        end = found.end() if found else len(self._text)
        self._pending += end - self._start
        if self._pending > self.max_row_chars:
            raise RowTooLarge(f"a row is longer than {self.max_row_chars} characters")
        line = self._text[self._start : end]
        self._start = end
        return line

    def row_done(self) -> None:
        self._pending = 0
