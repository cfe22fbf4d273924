"""A service's own identity when it calls another service with no user behind the call (an event
handler, a scheduled check): OAuth2 client credentials at the gateway.

The token is cached and refreshed ahead of its expiry by one caller at a time, outside the lock:
while that refresh is in flight every other caller keeps using the cached token if it is still
valid, and only callers that have no valid token wait for the refresh (and share its outcome,
success or failure, instead of each trying again in turn).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from gov_common.errors import ServiceUnavailable
from gov_common.http import sync_client

# Refresh this long before the token expires; a token closer to its expiry than USABLE_MARGIN is
# not handed out any more (it could expire on the way to the other service). A short-lived token is
# refreshed after half its life. After a failed early refresh the next try waits RETRY_SECONDS.
REFRESH_AHEAD_SECONDS = 60.0
USABLE_MARGIN_SECONDS = 5.0
RETRY_SECONDS = 5.0


class ServiceCredentials:
    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._timeout = timeout
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self._lock = threading.Lock()
        self._refreshed = threading.Condition(self._lock)
        self._refreshing = False
        self._generation = 0  # one more per finished refresh, successful or not
        self._last_error: ServiceUnavailable | None = None

    def _usable(self, now: float) -> bool:
        return self._token is not None and now < self._expires_at - USABLE_MARGIN_SECONDS

    def token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._usable(now) and now < self._refresh_at:
                return self._token  # type: ignore[return-value]
            if self._refreshing:
                if self._usable(now):
                    return self._token  # type: ignore[return-value]  # someone is refreshing it already
                generation = self._generation
                while self._refreshing and self._generation == generation:
                    self._refreshed.wait()
                if self._usable(self._clock()):
                    return self._token  # type: ignore[return-value]
                raise self._last_error or ServiceUnavailable(f"暂时无法取得服务凭据（{self.client_id}），请稍后重试")
            self._refreshing = True
        # This caller refreshes, with no lock held: the others are not blocked behind the request.
        token: str | None = None
        lifetime = 0.0
        error: ServiceUnavailable | None = None
        try:
            token, lifetime = self._request()
        except ServiceUnavailable as exc:
            error = exc
        except Exception:  # an unreadable answer must not leave the others waiting
            error = ServiceUnavailable(f"暂时无法取得服务凭据（{self.client_id}），请稍后重试")
        with self._lock:
            self._refreshing = False
            self._generation += 1
            self._last_error = error
            now = self._clock()
            if token is not None:
                self._token, self._expires_at = token, now + lifetime
                self._refresh_at = now + max(lifetime - REFRESH_AHEAD_SECONDS, lifetime / 2)
            else:
                self._refresh_at = now + RETRY_SECONDS
            self._refreshed.notify_all()
            if self._usable(now):
                return self._token  # type: ignore[return-value]  # a failed early refresh keeps the old one
        assert error is not None
        raise error

    def _request(self) -> tuple[str, float]:
        try:
            response = sync_client().post(
                self.token_url,
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self._secret),
                timeout=self._timeout,
            )
            response.raise_for_status()
            body = response.json()
            return str(body["access_token"]), float(body.get("expires_in", 300))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise ServiceUnavailable(f"暂时无法取得服务凭据（{self.client_id}），请稍后重试") from exc

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}
