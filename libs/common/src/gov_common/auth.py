"""JWT: the gateway signs (EdDSA, Ed25519) and serves JWKS; every service verifies by itself."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request
from jwt import PyJWK

from gov_common.errors import Forbidden, Unauthorized
from gov_common.http import sync_client
from gov_common.keys import public_jwk


class Roles:
    ADMIN = "admin"
    # A platform service calling another (client credentials of an internal client application).
    SERVICE = "service"
    # An integrator's client application, registered by the admin; its data calls need grants.
    INTEGRATOR = "integrator"
    CLERK = "clerk"
    REVIEWER = "reviewer"
    # The other two steps of a department's review chain (承办 → 审核 → 批准); see docs/business-systems.md.
    HANDLER = "handler"
    APPROVER = "approver"
    DEPARTMENT_ADMIN = "department_admin"
    STAFF = frozenset({ADMIN, CLERK, REVIEWER, HANDLER, APPROVER, DEPARTMENT_ADMIN})


# The roles as a person reads them (messages, names of demo staff); the UI has the same words.
ROLE_LABELS = {
    Roles.ADMIN: "系统管理员",
    Roles.SERVICE: "平台服务",
    Roles.INTEGRATOR: "接入应用",
    Roles.CLERK: "窗口人员",
    Roles.REVIEWER: "审批人员",
    Roles.HANDLER: "承办人员",
    Roles.APPROVER: "批准人员",
    Roles.DEPARTMENT_ADMIN: "部门管理员",
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


class Assurance:
    """How sure the platform is of an applicant's identity (docs/identity.md); tokens carry it as `loa`.

    L1: name and number matched against the registry (or a number it does not know);
    L2: plus a one-time code to the phone the registry holds for the person;
    L3: the identity document checked in person at a window, or a sign-in through the provincial
    identity platform.
    """

    L1, L2, L3 = 1, 2, 3


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the verified token says."""

    sub: str
    account_type: str  # person, entity, staff or client (a client application)
    name: str
    id_number: str | None = None  # resident ID number or unified social credit code
    roles: frozenset[str] = field(default_factory=frozenset)
    department: str | None = None
    client_id: str | None = None
    token: str = ""
    # A staff account's login name (`preferred_username`), beside the display name; None for others.
    username: str | None = None
    # A client application's token generation (`tgen`): its tokens are revoked together by moving
    # the application to the next generation (deactivation, secret rotation). None for others.
    token_generation: int | None = None
    # An applicant's assurance level (`loa`, Assurance); None for staff and client applications.
    assurance_level: int | None = None
    # The person acting for a legal person (RFC 8693 `act`: {"sub", "idn", "name"}); None otherwise.
    actor: dict[str, str] | None = None

    @property
    def is_applicant(self) -> bool:
        return self.account_type in ("person", "entity")

    @property
    def is_service(self) -> bool:
        return self.account_type == "client" and Roles.SERVICE in self.roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class TokenIssuer:
    def __init__(
        self,
        key: Ed25519PrivateKey,
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int = 3600,
        published_keys: list[Ed25519PublicKey] | None = None,
    ) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.jwk = public_jwk(key.public_key())
        # Keys still published beside the signing key while a rotation overlaps: the previous key,
        # so its unexpired tokens keep verifying, or the next one, announced before it signs.
        self.published = [public_jwk(k) for k in published_keys or [] if public_jwk(k)["kid"] != self.jwk["kid"]]

    def issue(
        self,
        *,
        sub: str,
        account_type: str,
        name: str,
        id_number: str | None,
        roles: list[str],
        department: str | None,
        client_id: str | None = None,
        username: str | None = None,
        token_generation: int | None = None,
        assurance_level: int | None = None,
        actor: dict[str, str] | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
            "typ": account_type,
            "name": name,
            "roles": roles,
        }
        if id_number:
            claims["idn"] = id_number
        if department:
            claims["dept"] = department
        if client_id:
            claims["cid"] = client_id
        if username:
            claims["preferred_username"] = username
        if token_generation is not None:
            claims["tgen"] = token_generation
        if assurance_level is not None:
            claims["loa"] = assurance_level
        if actor:
            claims["act"] = actor
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.jwk["kid"]})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk, *self.published]}


class TokenVerifier:
    """Verifies tokens against a JWKS, fetched lazily and refreshed when an unknown key id appears."""

    def __init__(
        self,
        jwks_source: Callable[[], dict[str, Any]],
        *,
        issuer: str,
        audience: str,
        min_refresh_seconds: float = 30.0,
    ) -> None:
        self._source = jwks_source
        self.issuer = issuer
        self.audience = audience
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._min_refresh = min_refresh_seconds
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, issuer: str, audience: str, timeout: float = 5.0) -> TokenVerifier:
        def fetch() -> dict[str, Any]:
            response = sync_client().get(url, timeout=timeout)
            response.raise_for_status()
            return dict(response.json())

        return cls(fetch, issuer=issuer, audience=audience)

    def _key(self, kid: str) -> PyJWK:
        with self._lock:
            stale = time.monotonic() - self._fetched_at > self._min_refresh
            if not self._keys or (kid not in self._keys and stale):
                try:
                    jwks = self._source()
                except Exception as exc:
                    raise Unauthorized("暂时无法核验登录凭证，请稍后重试") from exc
                self._keys = {k["kid"]: PyJWK.from_dict(k) for k in jwks.get("keys", []) if "kid" in k}
                self._fetched_at = time.monotonic()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("登录凭证的签名无法识别，请重新登录")
        return key

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = self._key(str(header.get("kid", "")))
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("登录已过期，请重新登录") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("登录凭证无效，请重新登录") from exc
        return Principal(
            sub=str(claims["sub"]),
            account_type=str(claims.get("typ", "")),
            name=str(claims.get("name", "")),
            id_number=claims.get("idn"),
            roles=frozenset(claims.get("roles") or []),
            department=claims.get("dept"),
            client_id=claims.get("cid"),
            token=token,
            username=claims.get("preferred_username"),
            token_generation=claims.get("tgen"),
            assurance_level=_int_or_none(claims.get("loa")),
            actor=_actor(claims.get("act")),
        )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _actor(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int)}


def bearer_token(request: Request) -> str | None:
    """The request's bearer token, if it carries one (not verified)."""
    return _bearer(request)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


# The key under which a middleware leaves the principal of a token it verified, for this request only.
VERIFIED_PRINCIPAL = "verified_principal"


def get_principal(request: Request) -> Principal:
    token = _bearer(request)
    if token is None:
        raise Unauthorized("请先登录")
    runtime = request.app.state.runtime
    verified = getattr(request.state, VERIFIED_PRINCIPAL, None)
    if isinstance(verified, Principal) and verified.token == token:
        principal = verified  # verified by a middleware of this request already (the gateway's TokenCheck)
    else:
        verifier: TokenVerifier = runtime.verifier
        principal = verifier.verify(token)
    # Tokens the gateway has revoked since they were issued (gov_common.revocation, docs/identity.md).
    runtime.revocations.check(principal)
    return principal


def get_optional_principal(request: Request) -> Principal | None:
    return get_principal(request) if _bearer(request) is not None else None


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


def require_applicant(principal: CurrentPrincipal) -> Principal:
    if not principal.is_applicant:
        raise Forbidden("仅申请人（自然人或法人）可以进行此操作")
    return principal


def require_reviewer(principal: CurrentPrincipal) -> Principal:
    if not principal.has_role(Roles.REVIEWER) or not principal.department:
        raise Forbidden("仅部门审查人员可以进行此操作")
    return principal


Applicant = Annotated[Principal, Depends(require_applicant)]
Reviewer = Annotated[Principal, Depends(require_reviewer)]


class AssuranceRequired(Forbidden):
    """403 naming the assurance level a call needs; the UI leads the applicant to raise theirs."""

    code = "assurance_level_required"

    def __init__(self, required: int, current: int | None) -> None:
        super().__init__(
            f"此操作需要 L{required} 级实名认证，您的账户当前为 L{current or 0} 级，请先提升认证等级",
            required_level=required,
            current_level=current or 0,
        )


def check_assurance(principal: Principal, level: int) -> None:
    """Applicants need at least `level`; staff and client applications are governed by their roles."""
    if principal.is_applicant and (principal.assurance_level or 0) < level:
        raise AssuranceRequired(level, principal.assurance_level)


def require_assurance(level: int) -> Callable[[Principal], Principal]:
    """A dependency: the caller, when an applicant, holds at least `level` (else 403 naming it)."""

    def dependency(principal: CurrentPrincipal) -> Principal:
        check_assurance(principal, level)
        return principal

    return dependency


# Dependencies for endpoints that show an applicant registry data, licences or the access log.
AssuredL2 = Annotated[Principal, Depends(require_assurance(Assurance.L2))]
AssuredL3 = Annotated[Principal, Depends(require_assurance(Assurance.L3))]
