"""Sign-in through the provincial unified identity platform (OpenID Connect, docs/identity.md)."""
