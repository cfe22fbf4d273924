"""Idempotency keys for filing (docs/operations.md, "During outages").

A client that got no answer to a filing (a 502/504 `outcome_unknown`, a dropped connection) cannot
know whether the case was filed. With an `Idempotency-Key` header it resends the same request with
the same key: the key, the hash of the request and the answer are stored per caller (the principal's
subject) in the filing's own transaction, so the resend gets the original answer and nothing is filed
twice. The same key with a different request is refused (422 `idempotency_key_reused`); two requests
with one key at the same moment: the second waits for the first (PostgreSQL's unique index) and then
gets its answer. A key is forgotten after `TTL`.

Use from an endpoint:
1. `replay(...)` before anything else: the stored answer when the key was used, else None;
2. `end the reads`, fetch what the filing needs (cases/prefetch.py);
3. `claim(...)` as the unit of work's first write: None, or the answer of a request that took the key
   meanwhile; then file, and `record(...)` the answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Annotated, Any

from fastapi import Depends, Header
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common.db import utcnow
from gov_common.errors import Conflict, InvalidField
from service_management.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)
_VALID = re.compile(r"[\x21-\x7e]{1,100}")


def _key(
    value: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description=(
                "Optional, 1–100 visible ASCII characters, new for each filing and the same when it is "
                "resent: a resend gets the original answer and files nothing again (kept 24 h)."
            ),
        ),
    ] = None,
) -> str | None:
    if value is None:
        return None
    if not _VALID.fullmatch(value):
        raise InvalidField(
            HEADER,
            f"{HEADER} 请求头应为 1 至 100 个可见 ASCII 字符（不含空格）",
            code="idempotency_key_invalid",
        )
    return value


def request_hash(scope: str, body: BaseModel | dict[str, Any]) -> str:
    """The hash of what was asked: the endpoint (scope) and the validated body, canonically serialised."""
    data = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    text = json.dumps({"scope": scope, "body": data}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _answer(row: IdempotencyRecord, digest: str) -> dict[str, Any]:
    if row.request_hash != digest:
        raise InvalidField(
            HEADER,
            f"该 {HEADER} 已用于另一个请求；新的申请请使用新的值",
            code="idempotency_key_reused",
        )
    if row.response is None:  # not seen outside its own transaction; kept for safety
        raise Conflict(
            f"使用该 {HEADER} 的请求仍在处理中，请稍后重试",
            field=HEADER,
            code="idempotency_key_in_use",
        )
    return row.response


def _live(session: Session, owner: str, key: str, now: dt.datetime) -> IdempotencyRecord | None:
    query = select(IdempotencyRecord).where(IdempotencyRecord.owner_sub == owner, IdempotencyRecord.key == key)
    row = session.scalars(query.execution_options(populate_existing=True)).first()
    if row is None or row.created_at < now - TTL:
        return None
    return row


def replay(session: Session, *, owner: str, key: str | None, digest: str) -> dict[str, Any] | None:
    """The answer given to the request that used this key first, or None when the key is new (or expired)."""
    if key is None:
        return None
    row = _live(session, owner, key, utcnow())
    return None if row is None else _answer(row, digest)


def claim(session: Session, *, owner: str, key: str | None, digest: str) -> dict[str, Any] | None:
    """Takes the key in the unit of work (its first write). None when taken; the first request's answer
    when another request with the key committed meanwhile (on PostgreSQL the insert waits for it)."""
    if key is None:
        return None
    now = utcnow()
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.owner_sub == owner,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_at < now - TTL,
        )
    )
    try:
        with session.begin_nested():
            session.add(IdempotencyRecord(owner_sub=owner, key=key, request_hash=digest, created_at=now))
            session.flush()
    except IntegrityError:
        row = _live(session, owner, key, now)
        if row is None:  # taken and released in between: rare; the client resends
            raise Conflict(
                f"使用该 {HEADER} 的请求正在处理中，请稍后重试",
                field=HEADER,
                code="idempotency_key_in_use",
            ) from None
        return _answer(row, digest)
    return None


def record(session: Session, *, owner: str, key: str | None, answer: BaseModel) -> None:
    """Stores the answer with the key taken by `claim`, in the same transaction as the filing."""
    if key is None:
        return
    row = session.get_one(IdempotencyRecord, (owner, key))
    row.response = answer.model_dump(mode="json")
    session.flush()


def forget_expired(session: Session, *, now: dt.datetime) -> int:
    """The periodic cleanup: keys older than TTL are forgotten."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - TTL))
    return int(getattr(result, "rowcount", 0) or 0)


IdempotencyKey = Annotated[str | None, Depends(_key)]
