"""data-sharing: the audit log, its verification, and a person's view of who read their data."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal_gateway.routing import data_sharing, forward

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
DS = "data-sharing"


@router.get("/my-data-access")
async def my_data_access(request: Request) -> Response:
    """Who read my data, when, through which application and for what."""
    return await forward(request, DS, data_sharing(request), "/api/v1/audit/my-data-access")


@router.get("/verify")
async def verify_chain(request: Request) -> Response:
    """Verify the audit chain, its signed head and newest checkpoint; names what was altered or removed (admin)."""
    return await forward(request, DS, data_sharing(request), "/api/v1/audit/verify")


@router.get("/entries")
async def list_entries(request: Request) -> Response:
    """Audit entries (`?subject=&resource=&client_id=`; admin)."""
    return await forward(request, DS, data_sharing(request), "/api/v1/audit/entries")


@router.get("/export")
async def export_segment(request: Request) -> Response:
    """A segment of the audit log with its signed checkpoints (`?from_seq=&to_seq=`; admin)."""
    return await forward(request, DS, data_sharing(request), "/api/v1/audit/export")


@router.get("/checkpoint-keys")
async def checkpoint_keys(request: Request) -> Response:
    """The public keys that verify audit checkpoints (JWKS), for third-party verification."""
    return await forward(request, DS, data_sharing(request), "/api/v1/audit/checkpoint-keys")
