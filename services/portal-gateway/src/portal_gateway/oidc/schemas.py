from __future__ import annotations

from pydantic import BaseModel


class OidcInfoOut(BaseModel):
    """Whether the log-in page offers the identity platform, and under which name."""

    enabled: bool
    name: str
