import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.errors import Unauthorized


def _issuer(ttl: int = 60) -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform", ttl_seconds=ttl)


def _token(issuer: TokenIssuer) -> str:
    return issuer.issue(
        sub="u1", account_type="staff", name="审批员", id_number=None, roles=["reviewer"], department="amr"
    )


def test_issued_tokens_verify_with_the_published_jwks() -> None:
    issuer = _issuer()
    principal = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform").verify(_token(issuer))
    assert principal.sub == "u1" and principal.department == "amr" and principal.has_role("reviewer")


def test_tokens_from_another_key_wrong_audience_or_expired_are_refused() -> None:
    issuer = _issuer()
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    other = _issuer()
    other.jwk = issuer.jwk  # claims the right key id, signed with another key
    with pytest.raises(Unauthorized):
        verifier.verify(_token(other))
    with pytest.raises(Unauthorized):
        TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="another").verify(_token(issuer))
    expired = jwt.encode(
        {
            "sub": "u1",
            "iss": "portal-gateway",
            "aud": "gov-platform",
            "iat": int(time.time()) - 100,
            "exp": int(time.time()) - 10,
        },
        issuer.key,
        algorithm="EdDSA",
        headers={"kid": issuer.jwk["kid"]},
    )
    with pytest.raises(Unauthorized) as refused:
        verifier.verify(expired)
    assert refused.value.detail == "登录已过期，请重新登录"
    with pytest.raises(Unauthorized):
        verifier.verify("not-a-token")


def test_an_unsigned_token_is_refused() -> None:
    issuer = _issuer()
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    forged = jwt.encode(
        {"sub": "u1", "iss": "portal-gateway", "aud": "gov-platform", "iat": 1, "exp": 2**31},
        None,
        algorithm="none",
        headers={"kid": issuer.jwk["kid"]},
    )
    with pytest.raises(Unauthorized):
        verifier.verify(forged)


def test_during_a_rotation_tokens_of_the_previous_key_keep_verifying(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization

    from gov_common.keys import load_public_key

    previous = _issuer()
    old_token = _token(previous)
    pem = tmp_path / "previous.pub.pem"
    pem.write_bytes(
        previous.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    current = TokenIssuer(
        Ed25519PrivateKey.generate(),
        issuer="portal-gateway",
        audience="gov-platform",
        published_keys=[load_public_key(str(pem))],
    )
    assert [k["kid"] for k in current.jwks()["keys"]] == [current.jwk["kid"], previous.jwk["kid"]]
    verifier = TokenVerifier(current.jwks, issuer="portal-gateway", audience="gov-platform")
    assert verifier.verify(old_token).sub == "u1"
    assert verifier.verify(_token(current)).sub == "u1"
    # Without the previous key published, its tokens no longer verify.
    alone = TokenIssuer(current.key, issuer="portal-gateway", audience="gov-platform")
    with pytest.raises(Unauthorized):
        TokenVerifier(alone.jwks, issuer="portal-gateway", audience="gov-platform").verify(old_token)
