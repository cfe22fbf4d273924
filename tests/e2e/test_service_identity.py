"""A service calling another with no user behind the call gets its own token from the gateway."""

from __future__ import annotations

import pytest

from gov_common.auth import TokenVerifier
from gov_common.errors import ServiceUnavailable
from gov_common.service_client import ServiceCredentials
from tests.e2e.platform import Platform


def test_service_credentials_obtain_a_verifiable_service_token(distributed_platform: Platform) -> None:
    base = distributed_platform.base_url
    credentials = ServiceCredentials(
        token_url=f"{base}/api/v1/auth/token",
        client_id="data-sharing",
        client_secret=distributed_platform.client_secrets["data-sharing"],
    )
    token = credentials.token()
    assert credentials.token() == token  # cached
    verifier = TokenVerifier.from_url(f"{base}/api/v1/auth/jwks", issuer="portal-gateway", audience="gov-platform")
    principal = verifier.verify(token)
    assert principal.is_service and principal.client_id == "data-sharing" and not principal.is_applicant

    wrong = ServiceCredentials(token_url=f"{base}/api/v1/auth/token", client_id="data-sharing", client_secret="x")
    with pytest.raises(ServiceUnavailable):
        wrong.token()
