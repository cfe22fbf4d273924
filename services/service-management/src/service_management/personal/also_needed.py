"""您可能还需要: items that applicants who filed the same items went on to file, mined by data-sharing's
warehouse (docs/warehouse.md, `GET /api/v1/warehouse/next-items`): aggregates only, a pair from fewer
than 5 applicants never returned. Asked with service-management's own service identity (no subject:
only item codes leave), with a short timeout, never inside a database transaction. An outage is no
error for the page: the section is then marked unavailable and the rest of the answer stands."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from gov_common.http import sync_client

log = logging.getLogger("service_management.personal")
PATH = "/api/v1/warehouse/next-items"
PURPOSE = "个性化服务：为申请人推荐同事项申请人后续办理的事项"


@dataclass(frozen=True)
class NextItem:
    item_code: str  # an item the applicant filed
    item_applicants: int  # distinct applicants who filed it
    next_item_code: str
    applicants: int  # of them, those who filed the next item after it
    share: float


class HeaderSource(Protocol):
    def headers(self) -> dict[str, str]: ...


class NextItemsSource(Protocol):
    def after(self, items: list[str]) -> list[NextItem] | None:
        """What applicants of these items filed next; None when it cannot be known now."""


class HttpNextItems:
    def __init__(self, *, base_url: str, credentials: HeaderSource | None, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout

    def after(self, items: list[str]) -> list[NextItem] | None:
        if not items:
            return []
        if self.credentials is None:
            log.warning("no service credentials for data-sharing: 您可能还需要 is not available")
            return None
        try:
            headers = self.credentials.headers()
            response = sync_client().get(
                f"{self.base_url}{PATH}",
                params={"item": items, "purpose": PURPOSE},
                headers=headers,
                timeout=self.timeout,
            )
        except Exception as exc:  # unreachable, a timeout, no token: not now
            log.warning("next items unavailable: %s", exc)
            return None
        if response.status_code != 200:
            log.warning("next items answered %s", response.status_code)
            return None
        try:
            return [_row(r) for r in response.json()["rows"]]
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("next items answer unreadable: %s", exc)
            return None


def _row(r: dict[str, Any]) -> NextItem:
    return NextItem(
        item_code=str(r["item_code"]),
        item_applicants=int(r["item_applicants"]),
        next_item_code=str(r["next_item_code"]),
        applicants=int(r["applicants"]),
        share=float(r["share"]),
    )


def reason(based_on: str, share: float) -> str:
    percent = int(share * 100 + 0.5)  # half up, as people round (62.5 % → 63 %)
    return f"办理过「{based_on}」的申请人中，有 {percent}% 随后办理了本事项"
