"""Credit facts for the rules: the applicant's status on data-sharing's red and black lists
(社会信用信息库), read from service-management's own read model of them (credit_model.py), which
data-sharing's credit feed keeps up to date (docs/data-sharing.md, "The credit feed").

Any answer that is not a clear status is "not known": the caller must then treat the applicant as
not instantly approvable (fail safe). A model that cannot vouch for being complete (still being read
at start, or no heartbeat from data-sharing for a while: data-sharing, its relay or Kafka down) is
"unavailable": that is no fact about the applicant, so the instant-approval check refuses to decide
on it (503, try again) rather than deciding "not instant" (rules/service.py, issue 14: an outage or a
lag never changes a decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class CreditStatus:
    known: bool
    unavailable: bool = False  # not known because the credit lists cannot be vouched for now
    black_listed: bool = False
    red_listed: bool = False
    detail: str = ""
    records: tuple[dict[str, Any], ...] = ()

    def facts(self) -> dict[str, Any] | None:
        return {"black_listed": self.black_listed, "red_listed": self.red_listed} if self.known else None


class CreditLookup(Protocol):
    def status(self, subject: str) -> CreditStatus: ...
