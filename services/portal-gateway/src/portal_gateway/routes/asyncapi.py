"""The AsyncAPI document of the platform's events, `/asyncapi.json` (docs/events.md): public, as
`/openapi.json` is, for the integrators and departments that build on the events."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gov_common.contracts import asyncapi

router = APIRouter()


@router.get("/asyncapi.json", include_in_schema=False)
def asyncapi_document() -> Response:
    """The AsyncAPI 3.0 document generated from the events' models (each event's `dataschema` points into it)."""
    return Response(asyncapi.served(), media_type="application/json", headers={"Cache-Control": "public, max-age=300"})
