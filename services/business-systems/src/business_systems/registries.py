"""The base registries as item handlers see them (business_systems.handlers.Registries).

Today the facts come with the case: service-management looks the applicant up in data-sharing's
credit library when it dispatches (`applicant.facts.credit`, docs/parallel-work.md contract 3),
so a check needs no call of its own and gives the same answer when an event is redelivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from business_systems.handlers import CreditStatus


class DispatchedFacts:
    """Registry answers from the facts a dispatched case carries; unknown subjects give None."""

    def __init__(self, applicant: Mapping[str, Any]) -> None:
        self._credit: dict[str, CreditStatus] = {}
        subject = str(applicant.get("id_number") or "")
        credit = (applicant.get("facts") or {}).get("credit")
        if subject and isinstance(credit, Mapping):
            self._credit[subject] = CreditStatus(
                subject=subject,
                black_listed=bool(credit.get("black_listed")),
                red_listed=bool(credit.get("red_listed")),
            )

    def credit(self, subject: str) -> CreditStatus | None:
        return self._credit.get(subject)
