"""Sending a one-time code by SMS: a port with a development channel and Alibaba Cloud's SMS.

`GW_SMS_CHANNEL=dev` (refused in production) writes each message to the log and to a JSON-lines
file (`GW_SMS_DEV_OUTBOX`), where a developer or a test suite reads it
(`GET /api/v1/dev/sms-outbox`). `aliyun` sends through Alibaba Cloud SMS (dysmsapi `SendSms`,
RPC signature version 1.0, HMAC-SHA1), on the gateway's one shared HTTP client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from gov_common.errors import ServiceUnavailable

log = logging.getLogger("portal_gateway.sms")


class SmsChannel(Protocol):
    async def send_code(self, *, phone: str, code: str, minutes: int) -> None: ...


def message_text(code: str, minutes: int) -> str:
    return f"【一网通办】您的实名认证验证码为 {code}，{minutes} 分钟内有效。工作人员不会向您索要验证码，请勿告知他人。"


class DevSmsChannel:
    """Writes messages where a developer can read them; sends nothing."""

    def __init__(self, outbox: str) -> None:
        self.path = Path(outbox)
        self._lock = threading.Lock()

    async def send_code(self, *, phone: str, code: str, minutes: int) -> None:
        entry = {
            "phone": phone,
            "code": code,
            "text": message_text(code, minutes),
            "sent_at": datetime.now(UTC).isoformat(),
        }
        log.info("dev SMS to %s: %s", phone, entry["text"])
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def recent(self, *, phone: str | None, limit: int = 20) -> list[dict[str, Any]]:
        """The newest messages first (to one phone, if given), from the outbox file."""
        if not self.path.exists():
            return []
        found: deque[dict[str, Any]] = deque(maxlen=limit)
        with self._lock, self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if phone is None or entry.get("phone") == phone:
                    found.append(entry)
        return list(reversed(found))


def _percent(value: str) -> str:
    # RFC 3986 unreserved characters stay; everything else (space as %20, * as %2A) is encoded.
    return quote(value, safe="-_.~")


def rpc_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Alibaba Cloud's RPC signature (version 1.0, HMAC-SHA1) of the request parameters."""
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsChannel:
    """Alibaba Cloud SMS (短信服务) through its `SendSms` API."""

    def __init__(
        self,
        client: Callable[[], httpx.AsyncClient],
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        endpoint: str = "https://dysmsapi.aliyuncs.com/",
        region: str = "cn-hangzhou",
    ) -> None:
        if not (access_key_id and access_key_secret and sign_name and template_code):
            raise ValueError("the aliyun SMS channel needs an access key, its secret, a sign name and a template")
        self.client = client
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.template_code = template_code
        self.endpoint = endpoint
        self.region = region

    def request_params(self, *, phone: str, code: str, nonce: str, timestamp: str) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"code": code}, separators=(",", ":")),
            "Timestamp": timestamp,
            "Version": "2017-05-25",
        }
        params["Signature"] = rpc_signature(params, self.access_key_secret)
        return params

    async def send_code(self, *, phone: str, code: str, minutes: int) -> None:
        params = self.request_params(
            phone=phone,
            code=code,
            nonce=str(uuid.uuid4()),
            timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        try:
            response = await self.client().get(self.endpoint, params=params)
            answer = response.json() if response.content else {}
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("SMS provider unreachable: %s", exc)
            raise ServiceUnavailable("短信服务暂时不可用，请稍后重试") from exc
        if response.status_code != 200 or answer.get("Code") != "OK":
            log.warning("SMS provider refused (%s): %s", response.status_code, str(answer)[:300])
            raise ServiceUnavailable("短信服务未能发送验证码，请稍后重试")
