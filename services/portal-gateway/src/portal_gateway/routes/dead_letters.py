"""Dead letters of every service, for the administrator (gov_common.dead_letters): the list gathers each
service's own `/api/v1/dead-letters` (the gateway's own from its database), a replay or a discard goes
to the service that holds the letter. Administrators only; each service checks the token again."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from gov_common.auth import CurrentPrincipal
from gov_common.dead_letters import PENDING, DeadLetterOut, DeadLetters, DiscardIn, ReplayOut, Status, require_admin
from gov_common.errors import NotFound
from gov_common.params import RowId
from portal_gateway.routing import forward

router = APIRouter(prefix="/api/v1/dead-letters", tags=["operations"])
log = logging.getLogger("portal_gateway.dead_letters")
GATEWAY = "portal-gateway"


def _services(request: Request) -> dict[str, str]:
    """The services behind the gateway and their base URLs, by the name their dead letters carry."""
    settings = request.app.state.runtime.settings
    urls = {
        "service-management": str(settings.service_management_url),
        "data-sharing": str(settings.data_sharing_url),
    }
    for department, url in sorted(settings.business_systems_urls.items()):
        urls[f"business-systems.{department}"] = str(url)
    return urls


def _own(request: Request) -> DeadLetters:
    store: DeadLetters = request.app.state.runtime.dead_letters
    return store


async def _gather(request: Request, service: str, base_url: str) -> tuple[str, list[dict[str, Any]] | str]:
    client: httpx.AsyncClient = request.app.state.http
    try:
        answer = await client.get(
            base_url.rstrip("/") + "/api/v1/dead-letters",
            params=list(request.query_params.multi_items()),
            headers={"Authorization": request.headers.get("Authorization", "")},
        )
    except httpx.HTTPError as exc:
        log.warning("dead letters of %s unavailable: %s", service, exc)
        return service, f"{service} 暂时无法访问"
    if answer.status_code != 200:
        return service, f"{service} 答复 {answer.status_code}"
    rows: list[dict[str, Any]] = answer.json()
    return service, rows


@router.get("")
async def list_dead_letters(
    request: Request,
    principal: CurrentPrincipal,
    status: Annotated[Status | None, Query(description="pending (default), replayed or discarded")] = PENDING,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Dead letters of every service with their reason, oldest first per service; `unavailable` names
    the services that could not be asked (administrators)."""
    require_admin(principal)
    own = await run_in_threadpool(_own(request).letters, status=status, limit=limit)
    items: list[dict[str, Any]] = [letter.model_dump(mode="json") for letter in own]
    unavailable: list[dict[str, str]] = []
    answers = await asyncio.gather(*(_gather(request, name, url) for name, url in _services(request).items()))
    for service, answer in answers:
        if isinstance(answer, str):
            unavailable.append({"service": service, "detail": answer})
        else:
            items.extend(answer)
    return {"items": items, "unavailable": unavailable}


def _target(request: Request, service: str) -> str | None:
    """The base URL of `service`, None for the gateway itself; 404 naming the field for another."""
    if service == GATEWAY:
        return None
    urls = _services(request)
    if service not in urls:
        raise NotFound(f"没有名为 {service!r} 的服务", field="service", code="service_unknown")
    return urls[service]


@router.post("/{service}/{letter_id}/replay", response_model=ReplayOut)
async def replay_dead_letter(service: str, letter_id: RowId, request: Request, principal: CurrentPrincipal) -> Any:
    """Replay one dead letter of a service; idempotent (administrators)."""
    require_admin(principal)
    base_url = _target(request, service)
    if base_url is None:
        replay = await run_in_threadpool(_own(request).replay, letter_id)
        log.info("dead letter %s replayed by %s: %s", letter_id, principal.username or principal.sub, replay.outcome)
        return ReplayOut(outcome=replay.outcome, dead_letter=replay.dead_letter)
    return await forward(request, service, base_url, f"/api/v1/dead-letters/{letter_id}/replay")


@router.post("/{service}/{letter_id}/discard", responses={200: {"model": DeadLetterOut}})
async def discard_dead_letter(
    service: str, letter_id: RowId, body: DiscardIn, request: Request, principal: CurrentPrincipal
) -> Response:
    """Give up one dead letter of a service, with the reason (administrators)."""
    require_admin(principal)
    base_url = _target(request, service)
    if base_url is None:
        letter = await run_in_threadpool(
            _own(request).discard, letter_id, reason=body.reason, by=principal.username or principal.sub
        )
        return JSONResponse(letter.model_dump(mode="json"))
    return await forward(request, service, base_url, f"/api/v1/dead-letters/{letter_id}/discard")
