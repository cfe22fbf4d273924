"""Confirming that a licence the applicant names can stand for a material (data-sharing's
`POST /api/v1/licenses/check`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx

from gov_common.errors import ServiceUnavailable
from gov_common.http import sync_client
from gov_common.service_client import ServiceCredentials

log = logging.getLogger("service_management.cases")


@dataclass(frozen=True)
class LicenceCheck:
    usable: bool
    reason: str | None = None
    license_type: str | None = None
    trust_level: str | None = None


class LicenceVerifier(Protocol):
    def check(
        self, *, license_no: str, holder_id_number: str, accepted_types: list[str], min_trust_level: str
    ) -> LicenceCheck: ...


class HttpLicenceVerifier:
    def __init__(self, *, base_url: str, credentials: ServiceCredentials | None, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout

    def check(
        self, *, license_no: str, holder_id_number: str, accepted_types: list[str], min_trust_level: str
    ) -> LicenceCheck:
        if self.credentials is None:
            raise ServiceUnavailable("暂时无法核验电子证照：缺少访问数据共享服务的凭据")
        headers = self.credentials.headers()
        try:
            response = sync_client().post(
                f"{self.base_url}/api/v1/licenses/check",
                json={
                    "license_no": license_no,
                    "holder_id_number": holder_id_number,
                    "accepted_types": accepted_types,
                    "min_trust_level": min_trust_level,
                },
                headers=headers,
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            log.warning("licence check unavailable: %s", exc)
            raise ServiceUnavailable("电子证照库暂时不可用，请稍后重试") from exc
        if response.status_code == 404:
            return LicenceCheck(usable=False, reason="证照不存在")
        if response.status_code != 200:
            raise ServiceUnavailable("电子证照库暂时无法答复，请稍后重试")
        body = response.json()
        return LicenceCheck(
            usable=body.get("usable") is True,
            reason=body.get("reason"),
            license_type=body.get("license_type"),
            trust_level=body.get("trust_level"),
        )
