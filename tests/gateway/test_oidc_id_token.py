"""The ID token checks of the gateway's OpenID client (portal_gateway.oidc.client), against tokens
this test signs itself: the real provider in test_oidc_sign_in.py only ever signs good ones. The
provider's discovery and JWKS are served by httpx's MockTransport (a fake provider, not a mock of
the gateway's code); what is checked is the gateway's own verification. Also: the claims mapped to
a person, and the settings refused when half configured."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from gov_common.errors import DomainError
from portal_gateway.oidc.client import ClientRegistration, OidcClient
from portal_gateway.oidc.service import identity_from_claims
from portal_gateway.settings import Settings
from tests.service_management.e2e_helpers import fresh_id_number

ISSUER = "https://idp.example.gov.cn"
CLIENT = "portal-gateway"
NONCE = "n-0123456789"


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)


class FakeProvider:
    def __init__(self) -> None:
        self.keys = [_key("k1")]
        self.jwks_fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": ISSUER + "/auth",
                    "token_endpoint": ISSUER + "/token",
                    "jwks_uri": ISSUER + "/jwks",
                    "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
                },
            )
        if request.url.path == "/jwks":
            self.jwks_fetches += 1
            return httpx.Response(200, json={"keys": [k.as_dict(private=False) for k in self.keys]})
        return httpx.Response(404)


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "s-1", "nonce": NONCE, "iat": now, "exp": now + 300}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(key: RSAKey, **changes: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, _claims(**changes), key)


def _client(http: httpx.AsyncClient) -> OidcClient:
    return OidcClient(ClientRegistration(ISSUER, CLIENT, "secret", "https://gw/cb", "openid"), http)


def _verify(provider: FakeProvider, token: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(provider.handler)) as http:
            client = _client(http)
            return await client.verify_id_token(await client.metadata(), token, nonce=NONCE, access_token=None)

    return asyncio.run(run())


def _refused(provider: FakeProvider, token: str) -> DomainError:
    with pytest.raises(DomainError) as refused:
        _verify(provider, token)
    assert refused.value.status == 401 and refused.value.code == "oidc_id_token_invalid"
    return refused.value


def test_a_good_id_token_gives_its_claims() -> None:
    provider = FakeProvider()
    assert _verify(provider, _sign(provider.keys[0], name="张三"))["name"] == "张三"


@pytest.mark.parametrize(
    ("changes", "claim"),
    [
        ({"iss": "https://other.example"}, "iss"),
        ({"aud": "another-client"}, "aud"),
        ({"nonce": "another-login"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"exp": int(time.time()) - 3600}, "exp"),
        ({"sub": None}, "sub"),
    ],
)
def test_each_claim_that_does_not_hold_is_named(changes: dict[str, Any], claim: str) -> None:
    provider = FakeProvider()
    assert _refused(provider, _sign(provider.keys[0], **changes)).field == claim


def test_a_signature_by_another_key_or_no_signature_is_refused() -> None:
    provider = FakeProvider()
    impostor = _key("k1")  # the same key id, another key
    assert _refused(provider, _sign(impostor)).field == "id_token"
    unsigned = jwt.encode({"alg": "HS256"}, _claims(), OctKey.import_key("secret" * 6), algorithms=["HS256"])
    assert _refused(provider, unsigned).field == "id_token"
    assert _refused(provider, "not-a-jwt").field == "id_token"


def test_keys_are_cached_and_a_rotated_key_is_fetched_once_more() -> None:
    provider = FakeProvider()

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(provider.handler)) as http:
            client = _client(http)
            metadata = await client.metadata()
            for _ in range(2):
                await client.verify_id_token(metadata, _sign(provider.keys[0]), nonce=NONCE, access_token=None)
            assert provider.jwks_fetches == 1
            # The provider starts signing with a new key: one more JWKS fetch, then it verifies.
            provider.keys.append(_key("k2"))
            claims = await client.verify_id_token(metadata, _sign(provider.keys[1]), nonce=NONCE, access_token=None)
            assert claims["sub"] == "s-1" and provider.jwks_fetches == 2

    asyncio.run(run())


def test_the_settings_refuse_half_a_configuration() -> None:
    with pytest.raises(ValueError, match="oidc_client_id, oidc_client_secret, oidc_redirect_uri"):
        Settings(oidc_issuer=ISSUER)
    complete = {"oidc_client_id": CLIENT, "oidc_client_secret": "s", "oidc_redirect_uri": "https://gw/cb"}
    with pytest.raises(ValueError, match="must include openid"):
        Settings(oidc_issuer=ISSUER, oidc_scopes="profile", **complete)
    with pytest.raises(ValueError, match="https"):
        Settings(
            oidc_issuer="http://idp.example", environment="production", database_url="postgresql://x/y", **complete
        )
    with pytest.raises(ValueError, match="64"):
        Settings(oidc_issuer="https://" + "x" * 60, **complete)
    assert Settings(oidc_issuer="  ").oidc_issuer is None


def test_the_claims_name_a_person_or_the_claim_at_fault() -> None:
    number = fresh_id_number()
    person = identity_from_claims(
        {"sub": 42, "cn_id": number.lower(), "cn_name": " 张三 "},
        provider=ISSUER,
        id_number_claim="cn_id",
        name_claim="cn_name",
    )
    assert (person.provider, person.subject, person.id_number, person.name) == (ISSUER, "42", number, "张三")
    for claims, field in [
        ({"sub": "s", "cn_name": "张三"}, "cn_id"),
        ({"sub": "s", "cn_id": number[:-1], "cn_name": "张三"}, "cn_id"),
        ({"sub": "s", "cn_id": number, "cn_name": "  "}, "cn_name"),
        ({"sub": "s", "cn_id": number, "cn_name": "张" * 101}, "cn_name"),
        ({"sub": "s" * 256, "cn_id": number, "cn_name": "张三"}, "sub"),
    ]:
        with pytest.raises(DomainError) as refused:
            identity_from_claims(claims, provider=ISSUER, id_number_claim="cn_id", name_claim="cn_name")
        assert refused.value.status == 422 and refused.value.field == field
