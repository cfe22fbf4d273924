"""The identity port: does a name match a number, is a person an entity's legal representative.

Two adapters, chosen by `GW_IDENTITY_VERIFIER`: the platform's own data-sharing (the county's
registries, asked with the gateway's service identity, each question audited there) and an HTTP
identity service of the same shape (a national or provincial one). Either way an unreachable or
failing verifier is a 503 with Retry-After: an outage never opens an account unverified.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

from gov_common.auth import Roles, TokenIssuer
from gov_common.errors import ServiceUnavailable
from portal_gateway.labels import service_label

log = logging.getLogger("portal_gateway.identity")

Result = Literal["match", "mismatch", "unknown"]
GATEWAY_CLIENT_ID = "portal-gateway"


@dataclass(frozen=True)
class PersonVerification:
    result: Result
    # On a match: the phone the registry holds (where an L2 code goes); never shown unmasked.
    phone: str | None = None


@dataclass(frozen=True)
class EntityVerification:
    result: Result
    matched_by: str | None = None
    entity_name: str | None = None


class IdentityVerifier(Protocol):
    async def verify_person(self, *, id_number: str, name: str, purpose: str) -> PersonVerification: ...

    async def verify_entity(
        self, *, uscc: str, representative_id_number: str, representative_name: str, purpose: str
    ) -> EntityVerification: ...


class _HttpVerifier:
    """Both adapters speak the same two calls; they differ in where and with what credentials."""

    service = "identity verification"

    def __init__(self, client: Callable[[], httpx.AsyncClient], base_url: str) -> None:
        self.client = client  # the process's one shared client, looked up when used
        self.base_url = base_url.rstrip("/")

    def headers(self) -> dict[str, str]:
        return {}

    async def _post(self, path: str, body: dict[str, str]) -> dict[str, object]:
        try:
            response = await self.client().post(f"{self.base_url}{path}", json=body, headers=self.headers())
        except httpx.HTTPError as exc:
            log.warning("%s unreachable: %s", self.service, exc)
            raise ServiceUnavailable(f"{service_label(self.service)}暂时不可用，请稍后重试") from exc
        if response.status_code != 200:
            # A 422 here would be the gateway's own bug (it validated the numbers): not the caller's.
            log.warning("%s answered %s: %s", self.service, response.status_code, response.text[:300])
            raise ServiceUnavailable(f"{service_label(self.service)}暂时无法答复，请稍后重试")
        payload: dict[str, object] = response.json()
        if payload.get("result") not in ("match", "mismatch", "unknown"):
            raise ServiceUnavailable(f"{service_label(self.service)}未给出核验结果，请稍后重试")
        return payload

    async def verify_person(self, *, id_number: str, name: str, purpose: str) -> PersonVerification:
        payload = await self._post(
            "/api/v1/identity/persons/verify", {"id_number": id_number, "name": name, "purpose": purpose}
        )
        phone = payload.get("phone")
        return PersonVerification(result=payload["result"], phone=phone if isinstance(phone, str) else None)  # type: ignore[arg-type]

    async def verify_entity(
        self, *, uscc: str, representative_id_number: str, representative_name: str, purpose: str
    ) -> EntityVerification:
        payload = await self._post(
            "/api/v1/identity/entities/verify",
            {
                "uscc": uscc,
                "representative_id_number": representative_id_number,
                "representative_name": representative_name,
                "purpose": purpose,
            },
        )
        by, name = payload.get("matched_by"), payload.get("entity_name")
        return EntityVerification(
            result=payload["result"],  # type: ignore[arg-type]
            matched_by=by if isinstance(by, str) else None,
            entity_name=name if isinstance(name, str) else None,
        )


class DataSharingVerifier(_HttpVerifier):
    """The county's registries in data-sharing, asked with the gateway's own service token."""

    service = "data-sharing"

    def __init__(self, client: Callable[[], httpx.AsyncClient], base_url: str, issuer: TokenIssuer) -> None:
        super().__init__(client, base_url)
        self.issuer = issuer
        self._token = ""
        self._renew_at = 0.0

    def headers(self) -> dict[str, str]:
        # The gateway is the issuer: it signs its own service token instead of asking itself for one.
        if time.monotonic() >= self._renew_at:
            self._token = self.issuer.issue(
                sub=f"client:{GATEWAY_CLIENT_ID}",
                account_type="client",
                name="互联网政务服务门户",
                id_number=None,
                roles=[Roles.SERVICE],
                department=None,
                client_id=GATEWAY_CLIENT_ID,
            )
            self._renew_at = time.monotonic() + self.issuer.ttl_seconds / 2
        return {"Authorization": f"Bearer {self._token}"}


class IdentityServiceVerifier(_HttpVerifier):
    """A national or provincial identity service with the same questions and answers."""

    service = "the identity service"

    def __init__(self, client: Callable[[], httpx.AsyncClient], base_url: str, secret: str) -> None:
        super().__init__(client, base_url)
        self.secret = secret

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
