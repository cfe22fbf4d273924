"""RFC 9457 problem details for every error a service answers with."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gov_common.db import BUSY, CONFLICT, UNAVAILABLE, CommitUnconfirmed, database_failure
from gov_common.validation_text import validation_message

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("gov_common.errors")


class DomainError(Exception):
    """A business error: carries its HTTP status and, where one is to blame, the field.

    `code` is a stable, machine-readable name of the error (snake_case English), given in each
    `errors[]` entry beside the Chinese `message`, so that a client translates by code rather than
    by the wording; each class has a default, a raise site may name a more precise one.
    """

    status = 400
    title = "Bad Request"
    code = "bad_request"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra
        if code is not None:
            self.code = code


class NotFound(DomainError):
    status, title, code = 404, "Not Found", "not_found"


class Conflict(DomainError):
    status, title, code = 409, "Conflict", "conflict"


class Forbidden(DomainError):
    status, title, code = 403, "Forbidden", "forbidden"


class Unauthorized(DomainError):
    status, title, code = 401, "Unauthorized", "unauthorized"


class InvalidField(DomainError):
    """A value that is well-formed JSON but not acceptable, e.g. a wrong check digit."""

    status, title, code = 422, "Unprocessable Content", "invalid"

    def __init__(self, field: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, field=field, **extra)


class ServiceUnavailable(DomainError):
    """Something this answer depends on is down or overloaded: never a 500. `retry_after` seconds
    (sent as Retry-After, and in the problem) say when asking again is worth it; a few seconds
    unless the raiser knows better."""

    status, title, code = 503, "Service Unavailable", "unavailable"
    DEFAULT_RETRY_AFTER = 5

    def __init__(self, detail: str, *, retry_after: int | None = None, **extra: Any) -> None:
        self.retry_after = retry_after if retry_after is not None else self.DEFAULT_RETRY_AFTER
        super().__init__(detail, retry_after=self.retry_after, **extra)


class TooManyRequests(DomainError):
    """Refused for a while (e.g. too many failed log-ins); `retry_after` seconds until it may."""

    status, title, code = 429, "Too Many Requests", "too_many_requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class TransientFailure(Exception):
    """A failure of infrastructure (a dependency down, a timeout, a 5xx): retried, never dead-lettered."""


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            # Half a surrogate pair the request sent (JSON can write "\\ud800") and the answer names:
            # written as an escape, as JSON allows, rather than failing the answer.
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    return ProblemResponse(body, status_code=status, headers=headers)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "form", "name") -> "form.name"; the location kind says nothing to a client.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    malformed = False
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            malformed = True
        field = _field_path(err.get("loc", ()))
        code = str(err.get("type", "invalid"))
        # pydantic's error type (missing, string_too_short, ...) is its stable code; the message is
        # worded in Chinese from it (pydantic's English stays in the log, for operators).
        errors.append({"field": field, "message": validation_message(code, field, err.get("ctx")), "code": code})
        log.debug("invalid input on %s %s: %s: %s", request.method, request.url.path, field, err.get("msg"))
    if malformed:
        return problem(400, "请求内容不是有效的 JSON，请检查后重新提交", errors=errors)
    messages = "；".join(dict.fromkeys(e["message"] for e in errors))
    return problem(422, f"提交的内容有误：{messages}", errors=errors)


async def _domain_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    errors = [{"field": exc.field, "message": exc.detail, "code": exc.code}] if exc.field else None
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, TooManyRequests | ServiceUnavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(exc.status, exc.detail, title=exc.title, errors=errors, headers=headers, code=exc.code, **exc.extra)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = (
        _HTTP_DETAILS.get(exc.status_code, str(exc.detail))
        if exc.detail == HTTPStatus(exc.status_code).phrase
        else str(exc.detail)
    )
    return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))


# Starlette's own answers (no route, wrong method), in the words a person reads.
_HTTP_DETAILS = {
    404: "未找到所请求的地址",
    405: "该地址不支持此请求方式",
    406: "无法以所要求的格式答复",
    415: "不支持所提交内容的格式",
}


async def _integrity_handler(request: Request, exc: Exception) -> JSONResponse:
    # A unique or foreign key the database refused at commit: almost always two requests writing
    # the same row at the same moment. Nothing of this request was kept; it can be sent again.
    log.warning("constraint refused on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        409,
        "同一时刻有另一项修改与本次修改冲突，本次修改未保存，请重新提交",
        code="concurrent_change",
    )


# Seconds a caller is told to wait when no database connection was free (every one busy: overload).
POOL_RETRY_AFTER = 2


def pool_exhausted() -> ServiceUnavailable:
    return ServiceUnavailable(
        f"系统繁忙，请 {POOL_RETRY_AFTER} 秒后重试", retry_after=POOL_RETRY_AFTER, code="overloaded"
    )


# Seconds a caller is told to wait when the database cannot be reached (docs/operations.md, "During
# outages"): about the time a restarted PostgreSQL or a fail-over takes to accept connections again.
DATABASE_RETRY_AFTER = 5
# ... and when a SQLite file's writer stayed taken (the standalone platform, gov_standalone.guards).
BUSY_RETRY_AFTER = 2


def database_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        f"数据库暂时无法连接，本次操作未执行，请 {DATABASE_RETRY_AFTER} 秒后重试",
        retry_after=DATABASE_RETRY_AFTER,
        code="database_unavailable",
    )


def database_busy() -> ServiceUnavailable:
    return ServiceUnavailable(
        f"系统繁忙，本次操作未执行，请 {BUSY_RETRY_AFTER} 秒后重试", retry_after=BUSY_RETRY_AFTER, code="busy"
    )


def commit_unconfirmed() -> ServiceUnavailable:
    return ServiceUnavailable(
        "保存时数据库连接中断，无法确认本次操作是否已生效：请先查看结果，确认未生效后再重新提交",
        retry_after=DATABASE_RETRY_AFTER,
        code="commit_unconfirmed",
    )


def database_problem(exc: BaseException) -> DomainError | None:
    """The answer to a failure of the database itself (gov_common.db.database_failure): 503 with
    Retry-After when it cannot be reached or is busy, 409 when the transaction lost to a concurrent
    one; None for an error of the statement (a fault: 500)."""
    if isinstance(exc, CommitUnconfirmed):
        return commit_unconfirmed()
    if isinstance(exc, PoolTimeout):
        # No connection of the pool came free within db_pool_timeout_seconds: overloaded.
        return pool_exhausted()
    kind = database_failure(exc)
    if kind == UNAVAILABLE:
        return database_unavailable()
    if kind == BUSY:
        return database_busy()
    if kind == CONFLICT:
        return Conflict(
            "同一时刻有另一项修改与本次修改冲突，本次修改未保存，请重新提交",
            code="concurrent_change",
        )
    return None


def problem_of(error: DomainError) -> JSONResponse:
    """`error` as its problem response, for code that answers outside the app's handlers (middleware)."""
    headers = (
        {"Retry-After": str(error.retry_after)} if isinstance(error, ServiceUnavailable | TooManyRequests) else None
    )
    return problem(error.status, error.detail, title=error.title, headers=headers, code=error.code, **error.extra)


async def database_handler(request: Request, exc: Exception) -> JSONResponse:
    answer = database_problem(exc)
    if answer is None:
        return await _unhandled_handler(request, exc)
    # The driver's message only: the statement's parameters (names, identity numbers) stay out of the log.
    log.warning(
        "database %s on %s %s: %s",
        answer.code,
        request.method,
        request.url.path,
        getattr(exc, "orig", None) or exc.__cause__ or exc,
    )
    return problem_of(answer)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    # Also what a middleware raised (outside the routes' handlers): a database outage there is a 503 too.
    answer = database_problem(exc)
    if answer is not None:
        log.warning("database %s on %s %s: %s", answer.code, request.method, request.url.path, exc)
        return problem_of(answer)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "系统内部错误，已记录，请稍后重试或联系管理员")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(DomainError, _domain_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(IntegrityError, _integrity_handler)
    app.add_exception_handler(PoolTimeout, database_handler)
    app.add_exception_handler(DBAPIError, database_handler)
    app.add_exception_handler(CommitUnconfirmed, database_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
