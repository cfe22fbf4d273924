"""Client applications and the client-credentials grant."""

from __future__ import annotations

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from gov_common.auth import Roles
from gov_common.errors import Unauthorized
from portal_gateway import passwords
from portal_gateway.models import ClientApplication

_hasher = passwords.hasher()
_DUMMY_HASH = _hasher.hash("not-a-real-secret")


def sync_service_clients(session: Session, clients: dict[str, str]) -> None:
    """Make the configured platform services exist as clients with exactly the configured secrets.
    Nothing is written before every hash is made (no autoflush): a write holds SQLite's one writer, and
    argon2 takes a while — another worker process starting beside this one would wait for it."""
    with session.no_autoflush:
        for client_id, secret in clients.items():
            client = session.get(ClientApplication, client_id)
            if client is None:
                session.add(
                    ClientApplication(
                        client_id=client_id,
                        name=client_id,
                        secret_hash=_hasher.hash(secret),
                        roles=[Roles.SERVICE],
                        active=True,
                    )
                )
                continue
            try:
                _hasher.verify(client.secret_hash, secret)
            except (VerificationError, InvalidHashError):
                client.secret_hash = _hasher.hash(secret)  # the secret was rotated
            if client.roles != [Roles.SERVICE] or not client.active:
                client.roles, client.active = [Roles.SERVICE], True


def authenticate_client(session: Session, *, client_id: str, client_secret: str) -> ClientApplication:
    client = session.get(ClientApplication, client_id)
    try:
        _hasher.verify(client.secret_hash if client else _DUMMY_HASH, client_secret)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("客户端标识或密钥错误") from None
    if client is None or not client.active:
        raise Unauthorized("客户端标识或密钥错误")
    return client
