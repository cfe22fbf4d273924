"""The SMS channels: Alibaba Cloud's request signature against the example its documentation gives,
the request the adapter sends, and the development outbox."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from gov_common.errors import ServiceUnavailable
from portal_gateway.identity.sms import AliyunSmsChannel, DevSmsChannel, rpc_signature


def test_the_signature_is_the_one_in_alibaba_clouds_documented_example() -> None:
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert rpc_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def _channel(handler: httpx.MockTransport) -> AliyunSmsChannel:
    client = httpx.AsyncClient(transport=handler)
    return AliyunSmsChannel(
        lambda: client, access_key_id="id", access_key_secret="secret", sign_name="一网通办", template_code="SMS_1"
    )


def test_the_adapter_sends_a_signed_sendsms_with_the_code_and_refuses_a_failed_send() -> None:
    seen: list[dict[str, str]] = []

    def provider(request: httpx.Request) -> httpx.Response:
        query = dict(parse_qsl(urlsplit(str(request.url)).query))
        seen.append(query)
        signature = query.pop("Signature")
        ok = signature == rpc_signature(query, "secret") and query["PhoneNumbers"] == "13700137002"
        return httpx.Response(200, json={"Code": "OK" if ok else "SignatureDoesNotMatch"})

    asyncio.run(_channel(httpx.MockTransport(provider)).send_code(phone="13700137002", code="123456", minutes=5))
    assert seen[0]["Action"] == "SendSms" and seen[0]["TemplateParam"] == '{"code":"123456"}'
    with pytest.raises(ServiceUnavailable):
        asyncio.run(_channel(httpx.MockTransport(provider)).send_code(phone="13800000000", code="1", minutes=5))

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(ServiceUnavailable):
        asyncio.run(_channel(httpx.MockTransport(down)).send_code(phone="13700137002", code="1", minutes=5))


def test_the_development_outbox_keeps_the_newest_first_by_phone(tmp_path: Path) -> None:
    channel = DevSmsChannel(str(tmp_path / "outbox.jsonl"))
    for phone, code in [("13700137002", "111111"), ("13800138000", "222222"), ("13700137002", "333333")]:
        asyncio.run(channel.send_code(phone=phone, code=code, minutes=5))
    assert [m["code"] for m in channel.recent(phone="13700137002")] == ["333333", "111111"]
    assert "333333" in channel.recent(phone=None)[0]["text"]
