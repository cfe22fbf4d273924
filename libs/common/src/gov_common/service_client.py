"""A service's own identity when it calls another service with no user behind the call (an event
handler, a scheduled check): OAuth2 client credentials at the gateway, token cached until shortly
before it expires."""

from __future__ import annotations

import threading
import time

import httpx

from gov_common.errors import ServiceUnavailable
from gov_common.http import sync_client


class ServiceCredentials:
    def __init__(self, *, token_url: str, client_id: str, client_secret: str, timeout: float = 10.0) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._timeout = timeout
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() > self._expires_at - 60:
                try:
                    response = sync_client().post(
                        self.token_url,
                        data={"grant_type": "client_credentials"},
                        auth=(self.client_id, self._secret),
                        timeout=self._timeout,
                    )
                    response.raise_for_status()
                except httpx.HTTPError as exc:
                    raise ServiceUnavailable(f"cannot obtain a service token for {self.client_id}: {exc}") from exc
                body = response.json()
                self._token = str(body["access_token"])
                self._expires_at = time.monotonic() + float(body.get("expires_in", 300))
            return self._token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}
