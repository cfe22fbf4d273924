from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from business_systems.deps import DepartmentStaff, Handlers

router = APIRouter(prefix="/api/v1", tags=["item handlers"])


@router.get("/handlers", responses={401: {"description": "No valid bearer token"}, 403: {"description": "Not staff"}})
def loaded_handlers(principal: DepartmentStaff, handlers: Handlers) -> list[dict[str, Any]]:
    """The item handlers this deployment loaded, with the item codes each handles."""
    return handlers.describe()
