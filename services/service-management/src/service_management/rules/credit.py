"""Credit facts from data-sharing's credit library (社会信用信息库), for the rules.

Any answer that is not a clear status is "not known": the caller must then treat the applicant as
not instantly approvable (fail safe). An outage of data-sharing (no connection, a timeout, no service
token, 401/408/429, a 5xx) is also "unavailable": that is no fact about the applicant, so the
instant-approval check refuses to decide on it (503, try again) rather than deciding "not instant"
(rules/service.py, issue 14: an outage never changes a decision).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from gov_common.context import REQUEST_ID_HEADER, get_request_id
from gov_common.http import sync_client
from gov_common.service_client import ServiceCredentials

log = logging.getLogger("service_management.rules")
# Answers that say "not now" rather than anything about the subject: no valid token yet, a timeout, throttled.
UNAVAILABLE = frozenset({401, 408, 429})


@dataclass(frozen=True)
class CreditStatus:
    known: bool
    unavailable: bool = False  # not known because data-sharing could not be asked now
    black_listed: bool = False
    red_listed: bool = False
    detail: str = ""
    records: tuple[dict[str, Any], ...] = ()

    def facts(self) -> dict[str, Any] | None:
        return {"black_listed": self.black_listed, "red_listed": self.red_listed} if self.known else None


class CreditLookup(Protocol):
    def status(self, subject: str) -> CreditStatus: ...


class HttpCreditLookup:
    def __init__(self, *, base_url: str, credentials: ServiceCredentials | None, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout

    def status(self, subject: str) -> CreditStatus:
        if not subject:
            return CreditStatus(known=False, detail="the applicant has no identity number to look up")
        if self.credentials is None:
            return CreditStatus(known=False, detail="service-management has no service credentials for data-sharing")
        try:
            headers = self.credentials.headers()
            request_id = get_request_id()
            if request_id:
                headers[REQUEST_ID_HEADER] = request_id
            response = sync_client().get(
                f"{self.base_url}/api/v1/credit/subjects/{quote(subject, safe='')}/status",
                headers=headers,
                timeout=self.timeout,
            )
        except Exception as exc:  # unreachable, a timeout, no token: an outage
            log.warning("credit status of an applicant is unavailable: %s", exc)
            return CreditStatus(known=False, unavailable=True, detail=f"data-sharing unreachable: {type(exc).__name__}")
        status = response.status_code
        if status != 200:
            log.warning("credit status lookup answered %s", status)
            outage = status in UNAVAILABLE or status >= 500
            return CreditStatus(known=False, unavailable=outage, detail=f"data-sharing answered {status}")
        try:
            body = response.json()
            black, red = body["black_listed"], body["red_listed"]
        except (ValueError, KeyError, TypeError):
            return CreditStatus(known=False, detail="data-sharing gave no readable credit status")
        if not isinstance(black, bool) or not isinstance(red, bool):
            return CreditStatus(known=False, detail="data-sharing gave no readable credit status")
        records = tuple(r for r in body.get("records") or [] if isinstance(r, dict))
        return CreditStatus(known=True, black_listed=black, red_listed=red, records=records)
