"""data-sharing: the credit library."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import data_sharing, forward, seg

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])
DS = "data-sharing"


@router.get("/subjects/{subject}/status")
async def subject_status(subject: str, request: Request) -> Response:
    """Whether a person or entity is on the red or black list today."""
    return await forward(request, DS, data_sharing(request), f"/api/v1/credit/subjects/{seg(subject)}/status")


@router.post("/records", status_code=201)
async def add_record(request: Request) -> Response:
    """Enter a red-list or black-list record (a department's staff)."""
    return await forward(request, DS, data_sharing(request), "/api/v1/credit/records")


@router.post("/records/{record_id}/withdraw")
async def withdraw(record_id: str, request: Request) -> Response:
    """Withdraw a record (credit repair)."""
    return await forward(request, DS, data_sharing(request), f"/api/v1/credit/records/{seg(record_id)}/withdraw")
