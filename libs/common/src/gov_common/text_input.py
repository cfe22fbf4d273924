"""Control characters are refused in what a request says, in every service: a NUL byte or another C0
control character (tab, line feed and carriage return excepted) in a JSON body, a form or a query
parameter is answered 422 problem+json naming the field, before any endpoint runs. Such characters
have no place in a name, an opinion or a code, and end up truncating text in C libraries, breaking
CSV and log lines, or hiding one text inside another.

One check for every schema, rather than a validator on each text field: JSON can carry them only
escaped (`\\u0000`), so a body without such an escape passes at the cost of one scan of its bytes.

The same scan refuses what JSON can say but no text or number the platform keeps can be: a lone
surrogate (`"\\ud800"`, half of a pair: not Unicode, so no database, log or answer can encode it) with
422, and NaN or Infinity (not JSON numbers at all, though Python's parser takes them) with 400.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gov_common.errors import problem

# C0 controls but tab (09), line feed (0A) and carriage return (0D).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# How JSON writes them: \u0000-\u001f (less the three allowed), \b and \f. An escaped backslash
# before such letters only costs a full parse, never a wrong refusal.
_JSON_ESCAPE = re.compile(rb"\\(u00[01][0-9a-fA-F]|[bf])")
# A UTF-16 surrogate written as an escape: a whole pair is a character, a lone half is not.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
SURROGATE = re.compile("[\ud800-\udfff]")
# What Python's parser takes beyond JSON; inside a string it only costs a full parse.
_NON_FINITE = re.compile(rb"NaN|Infinity")


def _texts(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string in a decoded JSON value (keys too), with where it is."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, str(key)), str(key)
            yield from _texts(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, str(index)))


def control_character_field(texts: Iterator[tuple[tuple[str, ...], str]]) -> tuple[str, str] | None:
    """The first field holding a control character and that character, as U+XXXX."""
    for path, text in texts:
        found = CONTROL.search(text)
        if found:
            return ".".join(path) or "body", f"U+{ord(found.group()):04X}"
    return None


def lone_surrogate_field(texts: Iterator[tuple[tuple[str, ...], str]]) -> tuple[str, str] | None:
    """The first field holding half of a surrogate pair (a decoded pair is one character), as U+XXXX."""
    for path, text in texts:
        found = SURROGATE.search(text)
        if found:
            return ".".join(path) or "body", f"U+{ord(found.group()):04X}"
    return None


class _NotAJsonNumber(ValueError):
    pass


def _not_a_json_number(constant: str) -> Any:
    raise _NotAJsonNumber(f"{constant} 不是 JSON 允许的数值")


def _pairs(encoded: str, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        yield (*prefix, key), key
        yield (*prefix, key), value


class ControlCharacterCheck:
    """ASGI middleware: refuses control characters in the query string, a JSON body or a form."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if "%" in query and (found := control_character_field(_pairs(query))):
            await self._refuse(found, scope, receive, send)
            return
        content_type = _content_type(scope)
        is_json = content_type == "application/json" or content_type.endswith("+json")
        if not is_json and content_type != "application/x-www-form-urlencoded":
            await self.app(scope, receive, send)
            return
        body, messages = await _read(receive)
        found = None
        if is_json and (_JSON_ESCAPE.search(body) or _SURROGATE_ESCAPE.search(body) or _NON_FINITE.search(body)):
            try:
                value = json.loads(body, parse_constant=_not_a_json_number)
            except _NotAJsonNumber as exc:
                await problem(400, f"请求内容不是有效的 JSON（{exc}），请检查后重新提交")(scope, receive, send)
                return
            except (ValueError, RecursionError):
                value = None  # not JSON: the endpoint says so (400)
            if value is not None:
                found = control_character_field(_texts(value))
                if not found and (lone := lone_surrogate_field(_texts(value))):
                    await self._refuse(lone, scope, receive, send, what="不成对的代理字符", code="lone_surrogate")
                    return
        elif not is_json and b"%" in body:
            found = control_character_field(_pairs(body.decode("latin-1")))
        if found:
            await self._refuse(found, scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive), send)

    @staticmethod
    async def _refuse(
        found: tuple[str, str],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        what: str = "控制字符",
        code: str = "control_character",
    ) -> None:
        field, character = found
        response = problem(
            422,
            f"提交的内容有误：“{field}”中含有不允许的{what}（{character}）",
            errors=[{"field": field, "message": f"不允许使用{what}（{character}）", "code": code}],
        )
        await response(scope, receive, send)


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1").split(";", 1)[0].strip().lower())
    return ""


async def _read(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def install_control_character_check(app: FastAPI) -> None:
    app.add_middleware(ControlCharacterCheck)
