"""The applicant's own registry facts, read from data-sharing with the applicant's own token: the
subject reading their own record, which data-sharing authorises and records in its audit log like
any other data read (docs/audit.md). Never called inside a database transaction."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from gov_common.auth import Principal
from gov_common.errors import ServiceUnavailable
from gov_common.http import sync_client
from gov_common.identity import age_on

log = logging.getLogger("service_management.personal")
PURPOSE = "个性化服务：为申请人本人推荐主题服务和免申即享事项"
POPULATION = ("person", "/api/v1/registries/population/")
LEGAL_ENTITIES = ("entity", "/api/v1/registries/legal-entities/")


@dataclass(frozen=True)
class ApplicantFacts:
    """What the registries say about the applicant, as the decision tables see it."""

    type: str  # person or entity
    id_number: str
    age: int | None = None
    # The registry record as data-sharing answered it (population or legal-entity fields); empty
    # when the applicant is not in the registry.
    record: dict[str, Any] = field(default_factory=dict)
    # For a person: the legal entities they represent (企业、个体工商户), from the legal-entity registry.
    entities: tuple[dict[str, Any], ...] = ()

    def applicant(self) -> dict[str, Any]:
        """The `applicant.*` facts of a decision table (the same shape as at dispatch, without credit)."""
        facts: dict[str, Any] = {"type": self.type}
        if self.age is not None:
            facts["age"] = self.age
        return facts


class RegistryFacts(Protocol):
    def of(self, principal: Principal, *, today: dt.date) -> ApplicantFacts: ...


class RegistryUnavailable(ServiceUnavailable):
    code = "registry_unavailable"


def age_of(principal: Principal, today: dt.date) -> int | None:
    number = principal.id_number or ""
    if principal.account_type == "person" and len(number) == 18:
        return age_on(number, today)
    return None


class HttpRegistryFacts:
    """Reads the applicant's own population (or legal-entity) record from data-sharing."""

    def __init__(self, *, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def of(self, principal: Principal, *, today: dt.date) -> ApplicantFacts:
        kind, path = POPULATION if principal.account_type == "person" else LEGAL_ENTITIES
        number = quote(principal.id_number or "", safe="")
        record = self._get(principal, f"{path}{number}")
        entities: tuple[dict[str, Any], ...] = ()
        if kind == "person":
            found = self._get(principal, f"{POPULATION[1]}{number}/legal-entities")
            entities = tuple(e for e in found if isinstance(e, dict)) if isinstance(found, list) else ()
        return ApplicantFacts(
            type=kind,
            id_number=principal.id_number or "",
            age=age_of(principal, today),
            record=record if isinstance(record, dict) else {},
            entities=entities,
        )

    def _get(self, principal: Principal, path: str) -> Any:
        """The answer's JSON; None when not in the registry or not shared (no facts to go on)."""
        headers = {"Authorization": f"Bearer {principal.token}"}
        try:
            response = sync_client().get(
                f"{self.base_url}{path}", headers=headers, params={"purpose": PURPOSE}, timeout=self.timeout
            )
        except Exception as exc:  # unreachable, a timeout: an outage, no fact about the applicant
            log.warning("registry facts unavailable: %s", exc)
            raise RegistryUnavailable("数据共享平台暂不可用，请稍后再试") from exc
        if response.status_code in (403, 404):
            return None
        if response.status_code != 200:
            log.warning("registry read answered %s", response.status_code)
            raise RegistryUnavailable(f"数据共享平台应答 {response.status_code}，请稍后再试")
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryUnavailable("数据共享平台的应答无法读取，请稍后再试") from exc
