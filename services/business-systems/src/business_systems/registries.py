"""The base registries as item handlers see them (business_systems.handlers.Registries).

Credit facts come with the case: service-management looks the applicant up in data-sharing's
credit library when it dispatches (`applicant.facts.credit`, docs/parallel-work.md contract 3).
Other registries are asked live, from data-sharing's governed data APIs, with this business
system's own identity (client credentials): every read is checked against its access there and
audited. A handler runs once per case (when it arrives), so what it found is what is kept. It runs
in the consumer's prepare stage (`review.service.check_arrival`), before the transaction that stores
the case opens: no database transaction waits on data-sharing. A look-up data-sharing cannot answer
now raises RegistryUnavailable, and the case's arrival is retried until it can (an outage never
changes a decision); a value it refuses as malformed raises InvalidLookup, a finding about the input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from business_systems.handlers import (
    CreditStatus,
    DivisionRecord,
    InvalidLookup,
    RegistryError,
    RegistryUnavailable,
)
from gov_common.http import sync_client

log = logging.getLogger("business_systems.registries")

PURPOSE = "业务办理：事项受理审查"
# Answers that say "not now" rather than anything about the value asked for: no valid token yet
# (the gateway's keys not reachable, a token expired under way), a timeout, throttled.
UNAVAILABLE = frozenset({401, 408, 429})


class DataSharingRegistries:
    def __init__(
        self,
        applicant: Mapping[str, Any],
        *,
        data_sharing_url: str | None = None,
        auth_headers: Callable[[], dict[str, str]] | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._credit: dict[str, CreditStatus] = {}
        subject = str(applicant.get("id_number") or "")
        credit = (applicant.get("facts") or {}).get("credit")
        if subject and isinstance(credit, Mapping):
            self._credit[subject] = CreditStatus(
                subject=subject,
                black_listed=bool(credit.get("black_listed")),
                red_listed=bool(credit.get("red_listed")),
            )
        self._url = data_sharing_url.rstrip("/") if data_sharing_url else None
        self._auth_headers = auth_headers
        self._timeout = timeout
        self._transport = transport

    def credit(self, subject: str) -> CreditStatus | None:
        return self._credit.get(subject)

    def division(self, code: str) -> DivisionRecord | None:
        body = self._get(f"/api/v1/registries/divisions/{quote(code, safe='')}")
        if body is None:
            return None
        return DivisionRecord(
            code=str(body.get("code", code)),
            name=str(body.get("name", "")),
            level=str(body.get("level", "")),
            parent_code=body.get("parent_code"),
        )

    def _get(self, path: str) -> dict[str, Any] | None:
        """data-sharing's answer: the record, or None for 404. An outage (no connection, a timeout,
        no service token, 401, 408, 429, 5xx) raises RegistryUnavailable; a value refused as
        malformed (400, 422) raises InvalidLookup; anything else (403: no access granted) raises
        RegistryError."""
        if self._url is None or self._auth_headers is None:
            raise RegistryError("本业务系统未配置数据共享平台的地址或服务身份，无法查询基础库")
        try:
            headers = self._auth_headers()
            if self._transport is None:
                response = sync_client().get(
                    self._url + path, params={"purpose": PURPOSE}, headers=headers, timeout=self._timeout
                )
            else:  # a transport of the tests' own
                with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
                    response = client.get(self._url + path, params={"purpose": PURPOSE}, headers=headers)
        except Exception as exc:  # transport errors and timeouts, and no service token to be had
            log.warning("data-sharing could not be asked for %s: %s: %s", path, type(exc).__name__, exc)
            raise RegistryUnavailable("暂时无法连接数据共享平台，稍后自动重试") from exc
        status = response.status_code
        if status == 404:
            return None
        if status in (400, 422):
            raise InvalidLookup(_problem_detail(response))
        if status in UNAVAILABLE or status >= 500:
            log.warning("data-sharing answered %s for %s: %s", status, path, response.text[:200])
            raise RegistryUnavailable(f"数据共享平台暂时无法答复（HTTP {status}），稍后自动重试")
        if status != 200:
            log.warning("data-sharing refused %s with %s: %s", path, status, response.text[:200])
            reason = "本业务系统未获该数据的共享授权" if status == 403 else "数据共享平台拒绝了本次查询"
            raise RegistryError(reason)
        try:
            body = response.json()
        except ValueError as exc:
            log.warning("data-sharing answered %s with no JSON: %s", path, response.text[:200])
            raise RegistryError("数据共享平台的答复无法识别") from exc
        if not isinstance(body, dict):
            raise RegistryError("数据共享平台的答复中没有所查询的记录")
        return body


def _problem_detail(response: httpx.Response) -> str:
    """What a problem+json answer says was wrong with the value (its errors' messages, else its detail)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if not isinstance(body, dict):
        return response.text[:200]
    errors = body.get("errors")
    if isinstance(errors, list):
        messages = [str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")]
        if messages:
            return "; ".join(messages)
    return str(body.get("detail") or body.get("title") or response.status_code)
