"""Prefill (信息多跑路): an applicant starting an application gets the form filled from the base
registries and learns which required materials their licences already satisfy.

The item comes from service-management; its form fields may name a registry field
(`"prefill": "population.name"`, `"legal_entity.legal_representative"`) and its materials a licence
type with the trust levels they accept (docs/parallel-work.md, contract 2). Data-sharing is asked
with the applicant's own token: the subject reading their own record, recorded in the audit log.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel

from gov_common.auth import Assurance, CurrentPrincipal, check_assurance
from gov_common.errors import DomainError, Forbidden, NotFound, ServiceUnavailable
from portal_gateway.labels import service_label
from portal_gateway.routing import data_sharing, seg, service_management

log = logging.getLogger("portal_gateway.prefill")
router = APIRouter(prefix="/api/v1", tags=["prefill"])

# The registry named in a form field's `prefill`, the applicant kind it describes, its data API.
REGISTRIES = {
    "population": ("person", "/api/v1/registries/population/"),
    "legal_entity": ("entity", "/api/v1/registries/legal-entities/"),
}
TRUST_LEVELS = "ABCD"


class MaterialOut(BaseModel):
    code: str
    satisfied_by: str | None


class PrefillOut(BaseModel):
    form: dict[str, Any]
    materials: list[MaterialOut]


async def _call(
    request: Request, service: str, method: str, url: str, *, headers: dict[str, str], **kwargs: Any
) -> httpx.Response:
    client: httpx.AsyncClient = request.app.state.http
    try:
        return await client.request(method, url, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        log.warning("%s unreachable: %s", service, exc)
        raise ServiceUnavailable(f"{service_label(service)}暂时不可用，请稍后重试") from exc


def _fail(service: str, response: httpx.Response) -> DomainError:
    log.warning("%s answered %s: %s", service, response.status_code, response.text[:500])
    return ServiceUnavailable(f"{service_label(service)}暂时无法答复，请稍后重试")


@router.get(
    "/items/{code}/prefill",
    response_model=PrefillOut,
    responses={
        403: {"description": "Not an applicant, or below L2 (assurance_level_required)"},
        404: {"description": "No such item"},
    },
)
async def prefill(code: str, request: Request, principal: CurrentPrincipal) -> PrefillOut:
    """The item's form prefilled from the registries, and the materials the applicant's licences satisfy."""
    if not principal.is_applicant or not principal.id_number:
        raise Forbidden("预填仅面向申请人（自然人或法人）")
    # Registry data about the applicant: only with the phone (or more) proven (docs/identity.md).
    check_assurance(principal, Assurance.L2)
    auth = {"Authorization": f"Bearer {principal.token}"}
    sm, ds = service_management(request).rstrip("/"), data_sharing(request).rstrip("/")

    response = await _call(request, "service-management", "GET", f"{sm}/api/v1/items/{seg(code)}", headers=auth)
    if response.status_code == 404:
        raise NotFound(f"事项 {code} 不存在")
    if response.status_code != 200:
        raise _fail("service-management", response)
    item: dict[str, Any] = response.json()

    form: dict[str, Any] = {}
    sources = {
        f["name"]: str(f["prefill"]) for f in item.get("form_fields") or [] if isinstance(f, dict) and f.get("prefill")
    }
    records: dict[str, dict[str, Any]] = {}
    for name, source in sources.items():
        registry, _, field = source.partition(".")
        kind_and_path = REGISTRIES.get(registry)
        if kind_and_path is None or kind_and_path[0] != principal.account_type:
            continue  # a field about the other kind of applicant, or an unknown registry
        if registry not in records:
            records[registry] = await _own_record(request, ds, kind_and_path[1], principal.id_number, code, auth)
        value = records[registry].get(field)
        if value not in (None, ""):
            form[name] = value

    materials = [m for m in item.get("materials") or [] if isinstance(m, dict) and m.get("code")]
    wallet: list[dict[str, Any]] | None = None
    out: list[MaterialOut] = []
    for material in materials:
        satisfied_by = None
        if material.get("license_type"):
            if wallet is None:
                wallet = await _wallet(request, ds, auth)
            satisfied_by = await _usable_licence(request, ds, auth, material, wallet, principal.id_number)
        out.append(MaterialOut(code=str(material["code"]), satisfied_by=satisfied_by))
    return PrefillOut(form=form, materials=out)


async def _own_record(
    request: Request, ds: str, path: str, id_number: str, item_code: str, auth: dict[str, str]
) -> dict[str, Any]:
    response = await _call(
        request,
        "data-sharing",
        "GET",
        f"{ds}{path}{seg(id_number)}",
        headers=auth,
        params={"purpose": f"申请 {item_code} 表单预填"},
    )
    if response.status_code in (403, 404):
        return {}  # not in the registry (or not shared with the applicant): nothing to prefill
    if response.status_code != 200:
        raise _fail("data-sharing", response)
    record: dict[str, Any] = response.json()
    return record


async def _wallet(request: Request, ds: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    licences: list[dict[str, Any]] = []
    for page in range(1, 11):
        response = await _call(
            request,
            "data-sharing",
            "GET",
            f"{ds}/api/v1/licenses",
            headers=auth,
            params={"status": "valid", "page": page, "page_size": 100},
        )
        if response.status_code != 200:
            raise _fail("data-sharing", response)
        batch = response.json()
        licences += batch
        if len(batch) < 100:
            break
    return licences


async def _usable_licence(
    request: Request,
    ds: str,
    auth: dict[str, str],
    material: dict[str, Any],
    wallet: list[dict[str, Any]],
    id_number: str,
) -> str | None:
    """The newest licence of the material's type that data-sharing confirms usable for it."""
    accepted = [lvl for lvl in material.get("accepted_trust_levels") or ["A"] if lvl in TRUST_LEVELS] or ["A"]
    weakest = max(accepted, key=TRUST_LEVELS.index)
    for licence in wallet:  # newest first
        if licence.get("license_type") != material["license_type"] or licence.get("trust_level") not in accepted:
            continue
        response = await _call(
            request,
            "data-sharing",
            "POST",
            f"{ds}/api/v1/licenses/check",
            headers=auth,
            json={
                "license_no": licence["license_no"],
                "holder_id_number": id_number,
                "accepted_types": [material["license_type"]],
                "min_trust_level": weakest,
            },
        )
        if response.status_code == 200 and response.json().get("usable"):
            return str(licence["license_no"])
    return None
