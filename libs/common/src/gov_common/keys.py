"""Ed25519 key files for token and licence signing."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def load_or_create_private_key(path: str, *, create: bool) -> Ed25519PrivateKey:
    """Load a PEM key; create one (mode 0600) only when allowed, i.e. outside production."""
    file = Path(path)
    if not file.exists():
        if not create:
            raise FileNotFoundError(f"signing key {path} not found; production keys are provisioned, not generated")
        file.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Written whole under a name of its own, then linked into place: several processes starting
        # at once (`serve --workers N`) end up with one key, and none reads a half-written file.
        fd, staged = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
            os.link(staged, file)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
        finally:
            os.unlink(staged)
    loaded = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as an OKP JWK, with its RFC 7638 thumbprint as `kid`."""
    x = b64url(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    kid = b64url(hashlib.sha256(canonical.encode()).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}


def load_public_key(path: str) -> Ed25519PublicKey:
    """A public key (PEM), or the public half of a private key file."""
    data = Path(path).read_bytes()
    try:
        loaded: object = serialization.load_pem_public_key(data)
    except ValueError:
        loaded = serialization.load_pem_private_key(data, password=None).public_key()
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return loaded
