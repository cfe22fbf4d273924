"""The applicant's inbox, `/api/v1/me/notifications` (the portal_gateway.notifications package)."""

from __future__ import annotations

from portal_gateway.notifications.endpoints import router

__all__ = ["router"]
