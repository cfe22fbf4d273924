"""The provincial identity platform as the gateway speaks to it (OpenID Connect, authorization code
flow with PKCE): discovery, the authorization request, the code exchange and the ID token's
validation by Authlib.

Every call goes through the gateway's one shared HTTP client (`app.state.http`) and none of them
is made inside a database transaction. The provider's metadata and keys are cached for an hour;
an ID token signed by a key not yet seen fetches the keys again once (the provider rotated them).
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from gov_common.errors import ServiceUnavailable, Unauthorized

log = logging.getLogger("portal_gateway.oidc")

# How long the provider's metadata and keys are trusted before they are fetched again.
CACHE_SECONDS = 3600.0
# What a 503 tells the browser: the provider is worth asking again after this many seconds.
RETRY_AFTER_SECONDS = 30
# Clock difference tolerated between the provider and the gateway when checking exp and iat.
LEEWAY_SECONDS = 60
# Signature algorithms the gateway accepts for ID tokens: asymmetric ones only (never "none", never
# an HMAC keyed with the client secret), whatever the provider advertises.
_ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519")


class ProviderUnavailable(ServiceUnavailable):
    code = "oidc_provider_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retry_after=RETRY_AFTER_SECONDS)


@dataclass(frozen=True)
class ProviderMetadata:
    """What the gateway uses of the provider's `/.well-known/openid-configuration`."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_endpoint_auth_method: str
    id_token_algorithms: tuple[str, ...]


@dataclass(frozen=True)
class ClientRegistration:
    """The gateway as a client of the provider."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: str


def _choose_auth_method(supported: object) -> str:
    # Without the field the default is client_secret_basic (OpenID Connect Discovery 1.0, section 3).
    methods = supported if isinstance(supported, list) else ["client_secret_basic"]
    for method in ("client_secret_basic", "client_secret_post"):
        if method in methods:
            return method
    raise ProviderUnavailable(f"统一身份认证平台不支持本系统可用的客户端认证方式（{methods}），请联系运维人员")


def _metadata(document: Mapping[str, Any], *, issuer: str) -> ProviderMetadata:
    if document.get("issuer") != issuer:
        # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer asked for.
        log.error("the identity provider at %s calls itself %r", issuer, document.get("issuer"))
        raise ProviderUnavailable("统一身份认证平台的配置指向了另一个签发方，请联系运维人员")
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            raise ProviderUnavailable(f"统一身份认证平台的配置缺少 {name}，请联系运维人员")
        endpoints[name] = value
    advertised = document.get("id_token_signing_alg_values_supported")
    algorithms = tuple(a for a in (advertised if isinstance(advertised, list) else ["RS256"]) if a in _ASYMMETRIC)
    if not algorithms:
        raise ProviderUnavailable("统一身份认证平台签发身份令牌所用的算法不被本系统接受，请联系运维人员")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"],
        jwks_uri=endpoints["jwks_uri"],
        token_endpoint_auth_method=_choose_auth_method(document.get("token_endpoint_auth_methods_supported")),
        id_token_algorithms=algorithms,
    )


class IdTokenInvalid(Unauthorized):
    code = "oidc_id_token_invalid"


class CodeRefused(Unauthorized):
    code = "oidc_code_invalid"


class OidcClient:
    def __init__(
        self,
        registration: ClientRegistration,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registration = registration
        self.http = http
        self.clock = clock
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    async def _get_json(self, url: str, what: str) -> Any:
        try:
            response = await self.http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            log.warning("the identity provider's %s (%s) is unreachable: %s", what, url, exc)
            raise ProviderUnavailable(f"统一身份认证平台暂时无法连接（{what}），请稍后重试") from exc
        if response.status_code != 200:
            log.warning("the identity provider's %s (%s) answered %s", what, url, response.status_code)
            raise ProviderUnavailable(f"统一身份认证平台暂时无法答复（{what}：{response.status_code}），请稍后重试")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"统一身份认证平台的答复格式不正确（{what}），请稍后重试") from exc

    async def metadata(self) -> ProviderMetadata:
        """The provider's configuration, from `{issuer}/.well-known/openid-configuration`, cached."""
        if self._metadata is not None and self.clock() - self._metadata[0] < CACHE_SECONDS:
            return self._metadata[1]
        issuer = self.registration.issuer
        document = await self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration", "configuration")
        if not isinstance(document, dict):
            raise ProviderUnavailable("统一身份认证平台的配置格式不正确，请联系运维人员")
        metadata = _metadata(document, issuer=issuer)
        self._metadata = (self.clock(), metadata)
        return metadata

    async def _key_set(self, metadata: ProviderMetadata, *, refresh: bool = False) -> KeySet:
        if not refresh and self._keys is not None and self.clock() - self._keys[0] < CACHE_SECONDS:
            return self._keys[1]
        document = await self._get_json(metadata.jwks_uri, "keys (JWKS)")
        try:
            keys = KeySet.import_key_set(document)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable("无法读取统一身份认证平台的签名公钥（JWKS），请稍后重试") from exc
        self._keys = (self.clock(), keys)
        return keys

    def authorization_url(self, metadata: ProviderMetadata, *, state: str, nonce: str, code_verifier: str) -> str:
        """Where the browser is sent to sign in: the authorization endpoint with the PKCE challenge."""
        registration = self.registration
        params = [
            ("response_type", "code"),
            ("client_id", registration.client_id),
            ("redirect_uri", registration.redirect_uri),
            ("scope", registration.scopes),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", create_s256_code_challenge(code_verifier)),
            ("code_challenge_method", "S256"),
        ]
        url: str = add_params_to_uri(metadata.authorization_endpoint, params)
        return url

    async def exchange(self, metadata: ProviderMetadata, *, code: str, code_verifier: str) -> dict[str, Any]:
        """The token response for an authorization code, proving possession with the PKCE verifier."""
        registration = self.registration
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": registration.redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {"Accept": "application/json"}
        if metadata.token_endpoint_auth_method == "client_secret_basic":  # noqa: S105 - a method name
            # RFC 6749, section 2.3.1: the id and the secret are form-encoded before Basic encoding.
            credentials = f"{quote(registration.client_id, safe='')}:{quote(registration.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
        else:
            form |= {"client_id": registration.client_id, "client_secret": registration.client_secret}
        try:
            response = await self.http.post(metadata.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("the identity provider's token endpoint is unreachable: %s", exc)
            raise ProviderUnavailable("统一身份认证平台暂时无法连接（令牌端点），请稍后重试") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500 or not isinstance(body, dict):
            log.warning("the identity provider's token endpoint answered %s", response.status_code)
            raise ProviderUnavailable(f"统一身份认证平台暂时无法答复（令牌端点：{response.status_code}），请稍后重试")
        if response.status_code != 200:
            error, description = str(body.get("error", "")), str(body.get("error_description", ""))
            log.info("the identity provider refused the code: %s %s", error, description)
            if error == "invalid_client":
                # The gateway's own credentials are wrong: nothing the person can do.
                raise ProviderUnavailable("统一身份认证平台不接受本系统的客户端凭据，请联系运维人员")
            raise CodeRefused(
                f"统一身份认证平台拒绝了本次登录（{error or response.status_code}），请重新登录",
                provider_error=error or None,
            )
        if not isinstance(body.get("id_token"), str):
            raise IdTokenInvalid("统一身份认证平台的答复中没有身份令牌，请重新登录", field="id_token")
        return body

    async def verify_id_token(
        self, metadata: ProviderMetadata, id_token: str, *, nonce: str, access_token: str | None
    ) -> dict[str, Any]:
        """The ID token's claims once its signature (the provider's JWKS), `iss`, `aud`, `nonce`,
        `exp` and `iat` (and `azp`, `at_hash` when present) hold; else 401 naming what failed."""
        registration = self.registration
        keys = await self._key_set(metadata)
        try:
            try:
                token = jwt.decode(id_token, keys, algorithms=metadata.id_token_algorithms)
            except InvalidKeyIdError:
                keys = await self._key_set(metadata, refresh=True)
                token = jwt.decode(id_token, keys, algorithms=metadata.id_token_algorithms)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": metadata.issuer},
                "aud": {"essential": True, "value": registration.client_id},
                "sub": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            }
            params = {"nonce": nonce, "client_id": registration.client_id}
            if access_token:
                params["access_token"] = access_token
            claims = CodeIDToken(token.claims, token.header, options, params)
            claims.validate(leeway=LEEWAY_SECONDS)
        except ClaimError as exc:
            raise IdTokenInvalid(f"身份令牌的 {exc.claim!r} 声明无效，请重新登录", field=exc.claim) from exc
        except JoseError as exc:
            raise IdTokenInvalid("身份令牌验证失败，请重新登录", field="id_token") from exc
        except ValueError as exc:  # not even a JWT
            raise IdTokenInvalid("无法读取身份令牌，请重新登录", field="id_token") from exc
        return dict(claims)
