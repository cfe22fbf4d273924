from __future__ import annotations

from fastapi import APIRouter, Response

from business_systems.chains import service
from business_systems.chains.schemas import ChainIn, ChainOut
from business_systems.deps import DepartmentAdmin, DepartmentCode, DepartmentStaff
from gov_common.pagination import Page
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/review-chains", tags=["review chains"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not staff (or, to change a chain, not the department admin) of this department"},
    422: {"description": "A step that is not allowed, named by its field"},
}


@router.get("", response_model=list[ChainOut], responses=_ERRORS)
def list_chains(
    principal: DepartmentStaff, session: DbSession, department: DepartmentCode, page: Page, response: Response
) -> list[ChainOut]:
    """The review chains configured in this department (items not listed use the default chain)."""
    chains, total = service.list_chains(session, principal=principal, department_code=department, page=page)
    page.describe(response, total)
    return chains


@router.get("/{item_code}", response_model=ChainOut, responses=_ERRORS)
def get_chain(item_code: str, principal: DepartmentStaff, session: DbSession, department: DepartmentCode) -> ChainOut:
    """The review chain in force for an item: the configured one, or the default."""
    return service.get_chain(session, principal=principal, department_code=department, item_code=item_code)


@router.put("/{item_code}", response_model=ChainOut, responses=_ERRORS)
def set_chain(
    item_code: str, body: ChainIn, principal: DepartmentAdmin, session: DbSession, department: DepartmentCode
) -> ChainOut:
    """Configure an item's review chain: 1 to 3 steps, each with its role; applies to cases arriving from now."""
    return service.set_chain(
        session, principal=principal, department_code=department, item_code=item_code, steps=body.steps
    )


@router.delete("/{item_code}", status_code=204, responses={**_ERRORS, 404: {"description": "No chain configured"}})
def reset_chain(item_code: str, principal: DepartmentAdmin, session: DbSession, department: DepartmentCode) -> None:
    """Remove an item's chain: its new cases use the default chain (one reviewer decides)."""
    service.reset_chain(session, principal=principal, department_code=department, item_code=item_code)
