"""Integrators' client applications (registered here at the gateway, which issues their tokens);
the API lives in `portal_gateway.integrators`."""

from __future__ import annotations

from portal_gateway.integrators.endpoints import router

__all__ = ["router"]
